"""Tiny copies of the official layouts of the speech, emotion, caption and
question-answering datasets.

Each ``make_<dataset>_layout(root)`` writes, under ``root``, the folders,
file names and metadata columns of the real release with a handful of
0.5 s clips at 16 kHz, and returns ``root``. The contents are described
in each docstring so that tests can assert on them.

Authors
 * pengi-sb developers 2026
"""

import csv
import json
import os
import pickle

from audio_fixtures import write_clip

SECONDS = 0.5
RATE = 16000


def _clip(root, *parts, seed=0):
    """Writes one short clip at ``root/parts`` and returns its path."""
    return write_clip(os.path.join(root, *parts), SECONDS, RATE,
                      freq=220.0 + 40 * seed, seed=seed)


def _csv(path, columns, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)


def _json(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(content, f, indent=1)


def make_cremad_layout(root):
    """CREMA-D: ``AudioWAV/<actor>_<sentence>_<EMO>_<level>.wav``.

    Actors 1001, 1002, 1003; emotions ANG and HAP; sentences DFA (level
    XX) and IEO (level HI): 12 clips.
    """
    k = 0
    for actor in ("1001", "1002", "1003"):
        for emo in ("ANG", "HAP"):
            for sentence, level in (("DFA", "XX"), ("IEO", "HI")):
                _clip(root, "AudioWAV", f"{actor}_{sentence}_{emo}_{level}.wav",
                      seed=k)
                k += 1
    return root


def make_ravdess_layout(root):
    """RAVDESS: ``Actor_NN/03-VV-EE-II-SS-RR-NN.wav``.

    Actors 01, 02, 03; speech (channel 01) clips for neutral (01, normal
    intensity) and angry (05, strong), statements 01 and 02: 12 speech
    clips; plus one song clip (channel 02, happy) for actor 01.
    """
    k = 0
    for actor in ("01", "02", "03"):
        for emotion, intensity in (("01", "01"), ("05", "02")):
            for statement in ("01", "02"):
                name = f"03-01-{emotion}-{intensity}-{statement}-01-{actor}.wav"
                _clip(root, f"Actor_{actor}", name, seed=k)
                k += 1
    _clip(root, "Actor_01", "03-02-03-01-01-01-01.wav", seed=k)
    return root


VOCALSOUND_MIDS = {"cough": "/m/01b_21", "laughter": "/m/01j3sz"}


def make_vocalsound_layout(root):
    """VocalSound 16 kHz release: ``audio_16k/``, ``datafiles/``.

    Speakers f0003 (train), m0004 (valid), f0005 (test), each with a
    cough and a laughter clip; the datafiles hold the authors' absolute
    paths and AudioSet MIDs, as released.
    """
    splits = {"tr": "f0003", "val": "m0004", "te": "f0005"}
    _csv(os.path.join(root, "class_labels_indices_vs.csv"),
         ["index", "mid", "display_name"],
         [[0, "/m/01j3sz", "Laughter"], [1, "/m/07plz5l", "Sigh"],
          [2, "/m/01b_21", "Cough"], [3, "/m/0dl9sf8", "Throat clearing"],
          [4, "/m/01hsr_", "Sneeze"], [5, "/m/07ppn3j", "Sniff"]])
    k = 0
    for split, speaker in splits.items():
        data = []
        for label, mid in VOCALSOUND_MIDS.items():
            name = f"{speaker}_0_{label}.wav"
            _clip(root, "audio_16k", name, seed=k)
            k += 1
            data.append({"wav": "/data/sls/scratch/yuangong/vocalsound/data/"
                                f"audio_16k/{name}", "labels": mid})
        _json(os.path.join(root, "datafiles", f"{split}.json"),
              {"data": data})
    return root


AUDIOCAPS_COLUMNS = ["audiocap_id", "youtube_id", "start_time", "caption"]


def make_audiocaps_layout(root):
    """AudioCaps CSVs + audiocaps-download audio (``<split>/<id>.wav``).

    train: 4 caption rows (ids 101-104), audio for 101-103 (104 was taken
    down). val: clip ``vAAAA_30`` with 5 captions (ids 201-205), only 201
    downloaded. test: clips ``tBBBB_0`` (ids 301-305, all downloaded) and
    ``tCCCC_10`` (ids 306-310, only 308 downloaded).
    """
    train = [[101, "yT1", 30, "A dog barks twice"],
             [102, "yT2", 10, "Rain falls on a roof"],
             [103, "yT3", 0, "A man speaks loudly"],
             [104, "yT4", 50, "A car passes by"]]
    val = [[200 + k, "vAAAA", 30, f"val caption {k}"] for k in range(1, 6)]
    test = [[300 + k, "tBBBB", 0, f"bird caption {k}"] for k in range(1, 6)]
    test += [[305 + k, "tCCCC", 10, f"engine caption {k}"]
             for k in range(1, 6)]
    for name, rows in (("train", train), ("val", val), ("test", test)):
        _csv(os.path.join(root, "dataset", f"{name}.csv"), AUDIOCAPS_COLUMNS,
             rows)
    for k, audiocap_id in enumerate([101, 102, 103]):
        _clip(root, "train", f"{audiocap_id}.wav", seed=k)
    _clip(root, "val", "201.wav", seed=4)
    for audiocap_id in (301, 302, 303, 304, 305, 308):
        _clip(root, "test", f"{audiocap_id}.wav", seed=5)
    return root


def make_clotho_layout(root):
    """Clotho v2.1: ``clotho_captions_<split>.csv`` + audio folders.

    development: ``Water flowing.wav`` and ``dog_bark_01.wav`` (audio in
    ``clotho_audio_development/``); validation: ``Wind gusts.wav`` (audio
    in ``clotho_audio_validation/validation/``, as ``7z x`` gives);
    evaluation: ``Birds at dawn.wav`` and ``Train horn.wav`` (in
    ``clotho_audio_evaluation/``). 5 captions each: ``<stem> caption k``.
    """
    columns = ["file_name"] + [f"caption_{k}" for k in range(1, 6)]
    subsets = {
        "development": (["Water flowing.wav", "dog_bark_01.wav"],
                        "clotho_audio_development"),
        "validation": (["Wind gusts.wav"],
                       os.path.join("clotho_audio_validation", "validation")),
        "evaluation": (["Birds at dawn.wav", "Train horn.wav"],
                       "clotho_audio_evaluation"),
    }
    k = 0
    for subset, (files, folder) in subsets.items():
        rows = []
        for name in files:
            stem = os.path.splitext(name)[0]
            rows.append([name] + [f"{stem} caption {j}" for j in range(1, 6)])
            _clip(root, folder, name, seed=k)
            k += 1
        _csv(os.path.join(root, f"clotho_captions_{subset}.csv"), columns,
             rows)
    return root


AQA_COLUMNS = ["file_name", "QuestionText", "answer", "confidence"]


def make_clothoaqa_layout(root):
    """ClothoAQA: ``audio_files/`` + ``clotho_aqa_{train,val,test}.csv``.

    train: ``Rain on tin.wav``, questions "Is it raining?" (yes, yes, no)
    and "What is falling?" (water, rain, water). val: ``Dog park.wav``,
    "Is a dog barking?" (yes, yes, yes). test: ``Street noise.wav``,
    "Are there cars?" (yes, no, no) and "What vehicle honks?" (car, bus,
    truck; confidences maybe, yes, no).
    """
    splits = {
        "train": ("Rain on tin.wav", [
            ("Is it raining?", [("yes", "yes"), ("yes", "maybe"),
                                ("no", "no")]),
            ("What is falling?", [("water", "yes"), ("Rain", "yes"),
                                  ("water", "maybe")]),
        ]),
        "val": ("Dog park.wav", [
            ("Is a dog barking?", [("yes", "yes")] * 3),
        ]),
        "test": ("Street noise.wav", [
            ("Are there cars?", [("yes", "yes"), ("no", "yes"),
                                 ("no", "maybe")]),
            ("What vehicle honks?", [("car", "maybe"), ("bus", "yes"),
                                     ("truck", "no")]),
        ]),
    }
    for k, (split, (file_name, questions)) in enumerate(splits.items()):
        _clip(root, "audio_files", file_name, seed=k)
        rows = [[file_name, q, a, c] for q, answers in questions
                for a, c in answers]
        _csv(os.path.join(root, f"clotho_aqa_{split}.csv"), AQA_COLUMNS,
             rows)
    return root


MSP_COLUMNS = ["FileName", "EmoClass", "EmoAct", "EmoVal", "EmoDom",
               "SpkrID", "Gender", "Split_Set"]


def make_msppodcast_layout(root):
    """MSP-Podcast: ``Audios/`` + ``Labels/labels_consensus.csv``.

    Rows (file, class, split): 0001_0001 A Train, 0001_0002 H Train,
    0002_0001 N Development, 0002_0002 A Development, 0003_0001 S Test1,
    0003_0002 H Test1, 0004_0001 N Test2, 0004_0002 A Test2, 0005_0001 X
    Train (no agreement), 0005_0002 O Train (other), 0006_0001 H Test3.
    """
    rows = [("0001_0001", "A", "Train"), ("0001_0002", "H", "Train"),
            ("0002_0001", "N", "Development"),
            ("0002_0002", "A", "Development"), ("0003_0001", "S", "Test1"),
            ("0003_0002", "H", "Test1"), ("0004_0001", "N", "Test2"),
            ("0004_0002", "A", "Test2"), ("0005_0001", "X", "Train"),
            ("0005_0002", "O", "Train"), ("0006_0001", "H", "Test3")]
    table = []
    for k, (code, emo, split) in enumerate(rows):
        name = f"MSP-PODCAST_{code}.wav"
        _clip(root, "Audios", name, seed=k)
        table.append([name, emo, 4.2, 3.8, 4.0, 100 + k,
                      "Female" if k % 2 else "Male", split])
    _csv(os.path.join(root, "Labels", "labels_consensus.csv"), MSP_COLUMNS,
         table)
    return root


MMSA_COLUMNS = ["video_id", "clip_id", "text", "label", "label_T", "label_A",
                "label_V", "annotation", "mode"]


def _make_mmsa_layout(root, rows):
    """``label.csv`` + ``Raw/<video_id>/<clip_id>.wav`` (audio extracted)."""
    table = []
    for k, (video, clip, score, mode) in enumerate(rows):
        _clip(root, "Raw", video, f"{clip}.wav", seed=k)
        word = "Negative" if score < 0 else "Positive" if score > 0 else (
            "Neutral")
        table.append([video, clip, f"segment {k} text", score, "", "", "",
                      word, mode])
    _csv(os.path.join(root, "label.csv"), MMSA_COLUMNS, table)
    return root


def make_cmumosi_layout(root):
    """CMU-MOSI (MMSA raw release, audio extracted beside the clips).

    Segments (video, clip, score, mode): 03bSnISJMiM 1 -2.4 train,
    03bSnISJMiM 2 1.8 train, 0h-zjBukYpk 1 0.0 valid, 0h-zjBukYpk 2 -0.6
    valid, 1DmNV9C1hbY 1 2.2 test, 1DmNV9C1hbY 2 0.4 test.
    """
    return _make_mmsa_layout(root, [
        ("03bSnISJMiM", "1", -2.4, "train"), ("03bSnISJMiM", "2", 1.8, "train"),
        ("0h-zjBukYpk", "1", 0.0, "valid"), ("0h-zjBukYpk", "2", -0.6, "valid"),
        ("1DmNV9C1hbY", "1", 2.2, "test"), ("1DmNV9C1hbY", "2", 0.4, "test"),
    ])


def make_cmumosei_layout(root):
    """CMU-MOSEI (MMSA raw release, audio extracted beside the clips).

    Segments (video, clip, score, mode): -3g5yACwYnA 0 1.333 train,
    -3g5yACwYnA 1 -0.667 train, -3nNcZdcdvU 0 0.0 valid, -3nNcZdcdvU 1
    0.333 valid, -571d8cVauQ 0 -1.0 test, -571d8cVauQ 1 2.0 test.
    """
    return _make_mmsa_layout(root, [
        ("-3g5yACwYnA", "0", 1.333, "train"),
        ("-3g5yACwYnA", "1", -0.667, "train"),
        ("-3nNcZdcdvU", "0", 0.0, "valid"),
        ("-3nNcZdcdvU", "1", 0.333, "valid"),
        ("-571d8cVauQ", "0", -1.0, "test"), ("-571d8cVauQ", "1", 2.0, "test"),
    ])


MELD_COLUMNS = ["Sr No.", "Utterance", "Speaker", "Emotion", "Sentiment",
                "Dialogue_ID", "Utterance_ID", "Season", "Episode",
                "StartTime", "EndTime"]


def make_meld_layout(root):
    """MELD.Raw with audio extracted to ``dia{D}_utt{U}.wav`` beside clips.

    train (train_splits): dia0_utt0 joy/positive, dia0_utt1 anger/negative,
    dia1_utt0 neutral/neutral. dev (dev_splits_complete): dia0_utt0
    sadness/negative, dia0_utt1 joy/positive, dia110_utt7 neutral/neutral
    (no clip, as in the release). test (output_repeated_splits_test):
    dia0_utt0 surprise/positive, dia0_utt1 anger/negative.
    """
    splits = {
        "train": ("train_splits", [(0, 0, "joy", "positive"),
                                   (0, 1, "anger", "negative"),
                                   (1, 0, "neutral", "neutral")]),
        "dev": ("dev_splits_complete", [(0, 0, "sadness", "negative"),
                                        (0, 1, "joy", "positive"),
                                        (110, 7, "neutral", "neutral")]),
        "test": ("output_repeated_splits_test",
                 [(0, 0, "surprise", "positive"),
                  (0, 1, "anger", "negative")]),
    }
    k = 0
    for split, (folder, rows) in splits.items():
        table = []
        for n, (dia, utt, emotion, sentiment) in enumerate(rows, start=1):
            if (dia, utt) != (110, 7):
                _clip(root, folder, f"dia{dia}_utt{utt}.wav", seed=k)
            k += 1
            table.append([n, f"Utterance {dia}-{utt}.", "Joey", emotion,
                          sentiment, dia, utt, 4, 7, "00:16:16,059",
                          "00:16:21,731"])
        _csv(os.path.join(root, f"{split}_sent_emo.csv"), MELD_COLUMNS, table)
    return root


WAVTEXT5K_COLUMNS = ["view_link", "download_link", "title", "description",
                     "fname", "tags"]


def make_wavtext5k_layout(root):
    """WavText5K clone after ``process.py --resample_rate 44100``.

    Rows: 0100.wav "Forest" / "Birds singing, drive away, fly.";
    0477.wav "Wilhelm scream" / no description; 0595.wav "Wind" (audio not
    downloaded). Audio in ``WavText5K/44100/audios/``.
    """
    rows = [
        ["https://bigsoundbank.com/detail-0100-forest.html",
         "https://bigsoundbank.com/UPLOAD/wav/0100.wav", "Forest",
         "Birds singing, drive away, fly.", "0100.wav", ""],
        ["https://bigsoundbank.com/detail-0477-wilhelm-scream.html",
         "https://bigsoundbank.com/UPLOAD/wav/0477.wav", "Wilhelm scream",
         "", "0477.wav", ""],
        ["https://bigsoundbank.com/detail-0595-wind.html",
         "https://bigsoundbank.com/UPLOAD/wav/0595.wav", "Wind", "",
         "0595.wav", ""],
    ]
    _csv(os.path.join(root, "WavText5K.csv"), WAVTEXT5K_COLUMNS, rows)
    _clip(root, "WavText5K", "44100", "audios", "0100.wav", seed=0)
    _clip(root, "WavText5K", "44100", "audios", "0477.wav", seed=1)
    os.makedirs(os.path.join(root, "WavText5K", "download"), exist_ok=True)
    return root


def make_sounddescs_layout(root):
    """audio-retrieval-benchmark clone with SoundDescs audio unzipped.

    descriptions.pkl keys (as pickled, upper case with extension):
    07033137.wav, NHU05091190.wav, 07070057.wav, NHU05072165.wav; split
    lists: train 07033137 + nhu05091190, val 07070057, test nhu05072165.
    Audio ``audios/<id>/<id>.wav``.
    """
    descriptions = {
        "07033137.wav": "Footsteps on gravel, approach and stop.",
        "NHU05091190.wav": "Blackbird song in a garden at dawn.",
        "07070057.wav": "Door slams shut in a large hall.",
        "NHU05072165.wav": "Waves breaking on a shingle beach.",
    }
    os.makedirs(os.path.join(root, "sounddescs_data"), exist_ok=True)
    with open(os.path.join(root, "sounddescs_data", "descriptions.pkl"),
              "wb") as f:
        pickle.dump(descriptions, f)
    lists = {"train_list.txt": ["07033137", "nhu05091190"],
             "val_list.txt": ["07070057"], "test_list.txt": ["nhu05072165"]}
    for name, ids in lists.items():
        path = os.path.join(root, "data", "SoundDescs", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(ids) + "\n")
    for k, key in enumerate(descriptions):
        clip_id = key[:-4].lower()
        _clip(root, "audios", clip_id, f"{clip_id}.wav", seed=k)
    return root


def make_macs_layout(root):
    """``MACS.yaml`` + TAU Urban Acoustic Scenes 2019 development audio.

    airport-lisbon-1000-40000-a.wav: annotators 1 and 2 (tags
    adults_talking, footsteps); park-helsinki-241-7146-a.wav: annotators 3
    and 4 (tags birds_singing); 2 sentences each.
    """
    files = {
        "airport-lisbon-1000-40000-a.wav": [
            (1, "people talk in a big hall", ["adults_talking"]),
            (2, "footsteps and chatter echo", ["adults_talking", "footsteps"]),
        ],
        "park-helsinki-241-7146-a.wav": [
            (3, "birds sing in a quiet park", ["birds_singing"]),
            (4, "a bird chirps while wind blows", ["birds_singing"]),
        ],
    }
    lines = ["files:"]
    for k, (name, notes) in enumerate(files.items()):
        _clip(root, "TAU-urban-acoustic-scenes-2019-development", "audio",
              name, seed=k)
        lines += [f"- filename: {name}", "  annotations:"]
        for annotator, sentence, tags in notes:
            lines += [f"  - annotator_id: {annotator}",
                      f"    sentence: {sentence}", "    tags:"]
            lines += [f"    - {t}" for t in tags]
    with open(os.path.join(root, "MACS.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return root


WAVCAPS_DEEP = os.path.join("mnt", "fast", "nobackup", "scratch4weeks",
                            "xm00178", "WavCaps", "data", "waveforms")


def make_wavcaps_layout(root):
    """WavCaps (Hugging Face release) with every source's zip extracted.

    AudioSet_SL: ids Y0a1b2c3d4e5.wav and Yblack_list0.wav (the latter in
    blacklist_exclude_test_ac.json); BBC_Sound_Effects: 07001001;
    FreeSound: 180913 and 99999 (99999 in
    blacklist_exclude_ub8k_esc50_vggsound.json); SoundBible: 2219. Audio in
    ``Zip_files/<Source>/mnt/.../waveforms/<Source>_flac/<id>.flac``.
    """
    sources = {
        "AudioSet_SL": ("as_final.json", [("Y0a1b2c3d4e5.wav", "A man talks."),
                                          ("Yblack_list0.wav", "Excluded.")]),
        "BBC_Sound_Effects": ("bbc_final.json",
                              [("07001001", "A crowd cheers.")]),
        "FreeSound": ("fsd_final.json", [("180913", "Music plays softly."),
                                         ("99999", "Excluded too.")]),
        "SoundBible": ("sb_final.json", [("2219", "An airplane is landing.")]),
    }
    k = 0
    for source, (json_name, entries) in sources.items():
        data = []
        for clip_id, caption in entries:
            file_id = clip_id[:-4] if clip_id.endswith(".wav") else clip_id
            _clip(root, "Zip_files", source, WAVCAPS_DEEP, f"{source}_flac",
                  f"{file_id}.flac", seed=k)
            k += 1
            data.append({"id": clip_id, "caption": caption,
                         "audio": "wav_path", "duration": SECONDS})
        _json(os.path.join(root, "json_files", source, json_name),
              {"num_captions_per_audio": 1, "data": data})
    blacklist = os.path.join(root, "json_files", "blacklist")
    _json(os.path.join(blacklist, "blacklist_exclude_test_ac.json"),
          {"AudioSet": ["Yblack_list0.wav"], "FreeSound": []})
    _json(os.path.join(blacklist, "blacklist_exclude_ub8k_esc50_vggsound.json"),
          {"AudioSet": [], "FreeSound": ["99999"]})
    return root


def make_freesound_layout(root):
    """FreeSound API crawl: ``metadata.json`` + ``audio/<id>.<ext>``.

    Sounds: 1234 "Rain_on_roof_01.wav" tags [rain, field-recording]
    (audio .wav); 5678 "Dog bark" tags [dog, bark] (audio .flac); 9012
    "Thunder" (no audio downloaded).
    """
    sounds = [
        {"id": 1234, "name": "Rain_on_roof_01.wav",
         "tags": ["rain", "field-recording"],
         "description": "Rain on a tin roof, recorded at night."},
        {"id": 5678, "name": "Dog bark", "tags": ["dog", "bark"],
         "description": "A dog barking twice."},
        {"id": 9012, "name": "Thunder", "tags": ["storm"],
         "description": "Distant thunder."},
    ]
    _json(os.path.join(root, "metadata.json"), sounds)
    _clip(root, "audio", "1234.wav", seed=0)
    _clip(root, "audio", "5678.flac", seed=1)
    return root
