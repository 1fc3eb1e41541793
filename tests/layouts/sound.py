"""Tiny copies of the official layouts of the sound-event, scene and music
datasets: real folder and file names, real metadata columns, a handful of
0.5 s clips at 16 kHz. Each ``make_<dataset>_layout(root)`` writes its
copy under ``root`` and returns the folder to pass as ``--data_folder``.

Authors
 * pengi-sb developers 2026
"""

import csv
import json
import os

from audio_fixtures import write_clip

SECONDS = 0.5
RATE = 16000


def _clip(path, seed=0, seconds=SECONDS, rate=RATE):
    return write_clip(path, seconds, rate, freq=220.0 + 40 * seed, seed=seed)


def _write_csv(path, header, rows, **kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        kwargs.setdefault("lineterminator", "\n")
        writer = csv.writer(f, **kwargs)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_lines(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


# ESC-50 ------------------------------------------------------------------

ESC50_ROWS = [
    # filename, fold, target, category, esc10, src_file, take
    ("1-100032-A-0.wav", 1, 0, "dog", "True", 100032, "A"),
    ("1-100038-A-14.wav", 1, 14, "chirping_birds", "False", 100038, "A"),
    ("1-115546-A-14.wav", 1, 14, "chirping_birds", "False", 115546, "A"),
    ("2-100648-A-0.wav", 2, 0, "dog", "True", 100648, "A"),
    ("3-101296-A-14.wav", 3, 14, "chirping_birds", "False", 101296, "A"),
    ("4-102844-A-0.wav", 4, 0, "dog", "True", 102844, "A"),
    ("5-103415-A-14.wav", 5, 14, "chirping_birds", "False", 103415, "A"),
]
ESC50_ACTIONS = (
    "blowing", "breaking", "calling", "crumpling", "dripping", "exhaling",
    "exploding", "gasping", "groaning", "pouring", "ringing", "rolling",
    "rotating", "scraping", "singing", "sizzling", "splashing", "tapping",
    "vibrating", "wailing",
)


def make_esc50_layout(root, with_actions=True):
    """``ESC-50-master/{audio,meta/esc50.csv}`` (+ the action ratings).

    Action ratings of the 7 clips: the dogs are "calling" (3.3) and
    "wailing" (2.0); 1-100038-A-14 is only "singing" at 1.0 (below the
    threshold, so its top action is used); 1-115546-A-14 is rated 0 for
    every action (left out); the other birds are "calling" + "singing".
    """
    folder = os.path.join(root, "ESC-50-master")
    for i, row in enumerate(ESC50_ROWS):
        _clip(os.path.join(folder, "audio", row[0]), seed=i)
    _write_csv(
        os.path.join(folder, "meta", "esc50.csv"),
        ["filename", "fold", "target", "category", "esc10", "src_file",
         "take"],
        ESC50_ROWS,
    )
    if with_actions:
        rows = []
        for row in ESC50_ROWS:
            rating = dict.fromkeys(ESC50_ACTIONS, 0.0)
            if row[3] == "dog":
                rating.update(calling=3.3333333333333335, wailing=2.0,
                              gasping=0.6666666666666666)
            elif row[0] == "1-100038-A-14.wav":
                rating.update(singing=1.0, calling=0.6666666666666666)
            elif row[0] != "1-115546-A-14.wav":
                rating.update(calling=2.3333333333333335, singing=2.0)
            rows.append([*row[:4], *(rating[a] for a in ESC50_ACTIONS)])
        _write_csv(
            os.path.join(folder, "actionvector_one_per_audiofile.csv"),
            ["filename", "fold", "target", "category", *ESC50_ACTIONS],
            rows,
        )
    return folder


# UrbanSound8K ------------------------------------------------------------

def make_urbansound8k_layout(root):
    """``UrbanSound8K/{audio/fold1..10,metadata/UrbanSound8K.csv}``: one
    slice per fold, dog_bark (classID 3) and siren (classID 8)."""
    folder = os.path.join(root, "UrbanSound8K")
    rows = []
    for fold in range(1, 11):
        class_id, label = (3, "dog_bark") if fold % 2 else (8, "siren")
        fs_id = 100000 + fold
        name = f"{fs_id}-{class_id}-0-{fold}.wav"
        _clip(os.path.join(folder, "audio", f"fold{fold}", name), seed=fold)
        rows.append([name, fs_id, 1.5, 5.5, 1 + fold % 2, fold, class_id,
                     label])
    _write_csv(
        os.path.join(folder, "metadata", "UrbanSound8K.csv"),
        ["slice_file_name", "fsID", "start", "end", "salience", "fold",
         "classID", "class"],
        rows,
    )
    return folder


# FSD50K ------------------------------------------------------------------

FSD50K_VOCABULARY = [
    (0, "Accelerating_and_revving_and_vroom", "/m/07q2z82"),
    (1, "Bark", "/m/05tny_"),
    (2, "Dog", "/m/0bt9lr"),
]


def make_fsd50k_layout(root):
    """``FSD50K.{dev_audio,eval_audio,ground_truth}`` side by side in
    ``root/FSD50K``: dev clips 64760 (train), 16399 (train), 21400 (val);
    eval clips 37199 and 175151."""
    folder = os.path.join(root, "FSD50K")
    gt = os.path.join(folder, "FSD50K.ground_truth")
    _write_csv(os.path.join(gt, "vocabulary.csv"), None, FSD50K_VOCABULARY)
    dev = [
        (64760, "Bark,Dog", "/m/05tny_,/m/0bt9lr", "train"),
        (16399, "Accelerating_and_revving_and_vroom", "/m/07q2z82", "train"),
        (21400, "Dog", "/m/0bt9lr", "val"),
    ]
    evals = [
        (37199, "Dog,Bark", "/m/0bt9lr,/m/05tny_"),
        (175151, "Accelerating_and_revving_and_vroom", "/m/07q2z82"),
    ]
    _write_csv(os.path.join(gt, "dev.csv"),
               ["fname", "labels", "mids", "split"], dev)
    _write_csv(os.path.join(gt, "eval.csv"), ["fname", "labels", "mids"],
               evals)
    for i, row in enumerate(dev):
        _clip(os.path.join(folder, "FSD50K.dev_audio", f"{row[0]}.wav"), i)
    for i, row in enumerate(evals):
        _clip(os.path.join(folder, "FSD50K.eval_audio", f"{row[0]}.wav"), i)
    return folder


# DCASE 2017 Task 4 -------------------------------------------------------

DCASE2017_TRAIN_DIR = (
    "unbalanced_train_segments_training_set_audio_formatted_and_segmented_"
    "downloads"
)


def make_dcase2017task4_layout(root):
    """The organisers' lists (training_set.csv, weak-label testing list at
    the top, evaluation list in groundtruth_release/) and ``Y``-prefixed
    clips: training clips in the organisers' archive folder (one listed
    clip, ``-1HlfoHZCEE``, never downloaded), testing clips in
    ``testing/`` and evaluation clips in
    ``evaluation_set_formatted_audio_segments/``."""
    folder = os.path.join(root, "DCASE2017Task4")
    train = [
        ("0_HnD-rW3lI", "170.000", "180.000", "Train horn,Train",
         "/m/0284vy3,/m/07jdr"),
        ("-8baTnilyjs", "30.000", "40.000", "Air horn, truck horn",
         "/m/05x_td"),
        ("-1HlfoHZCEE", "6.000", "16.000", "Car passing by,Car",
         "/t/dd00134,/m/0k4j"),
    ]
    _write_csv(os.path.join(folder, "training_set.csv"), None, train)
    for i, (ytid, start, end, *_) in enumerate(train[:2]):
        _clip(os.path.join(folder, DCASE2017_TRAIN_DIR,
                           f"Y{ytid}_{start}_{end}.wav"), seed=i)
    testing = [
        ("-5QrBL6MzLg_60.000_70.000.wav", "60.000", "70.000", "Train horn"),
        ("-5QrBL6MzLg_60.000_70.000.wav", "60.000", "70.000",
         "Air horn, truck horn"),
        ("--ljM2Kojag_30.000_40.000.wav", "30.000", "40.000",
         "Ambulance (siren)"),
    ]
    evaluation = [
        ("-JMT0mK0Dbg_30.000_40.000.wav", "30.000", "40.000", "Train horn"),
        ("3FWHjjZGT9U_80.000_90.000.wav", "80.000", "90.000", "Car alarm"),
    ]
    _write_csv(os.path.join(folder, "groundtruth_weak_label_testing_set.csv"),
               None, testing, delimiter="\t")
    _write_csv(
        os.path.join(folder, "groundtruth_release",
                     "groundtruth_weak_label_evaluation_set.csv"),
        None, evaluation, delimiter="\t",
    )
    for i, name in enumerate(sorted({r[0] for r in testing})):
        _clip(os.path.join(folder, "testing", "Y" + name), seed=i)
    for i, row in enumerate(evaluation):
        _clip(os.path.join(folder, "evaluation_set_formatted_audio_segments",
                           "Y" + row[0]), seed=i)
    return folder


# TUT Acoustic Scenes 2017 ------------------------------------------------

def make_tut2017_layout(root, evaluation=True):
    """Development set (4 segments of 4 recordings, beach / city_center,
    fold k evaluating segment k) and evaluation set (2 segments)."""
    folder = os.path.join(root, "TUT2017")
    dev = os.path.join(folder, "TUT-acoustic-scenes-2017-development")
    segments = [
        ("audio/b020_90_100.wav", "beach", "b020"),
        ("audio/b021_0_10.wav", "beach", "b021"),
        ("audio/a011_30_40.wav", "city_center", "a011"),
        ("audio/a012_10_20.wav", "city_center", "a012"),
    ]
    for i, (rel, _, _) in enumerate(segments):
        _clip(os.path.join(dev, rel), seed=i)
    _write_lines(os.path.join(dev, "meta.txt"),
                 ["\t".join(s) for s in segments])
    for k in range(1, 5):
        held = segments[k - 1]
        rest = [s for s in segments if s is not held]
        setup = os.path.join(dev, "evaluation_setup")
        _write_lines(os.path.join(setup, f"fold{k}_train.txt"),
                     [f"{s[0]}\t{s[1]}" for s in rest])
        _write_lines(os.path.join(setup, f"fold{k}_evaluate.txt"),
                     [f"{held[0]}\t{held[1]}"])
        _write_lines(os.path.join(setup, f"fold{k}_test.txt"), [held[0]])
    if evaluation:
        ev = os.path.join(folder, "TUT-acoustic-scenes-2017-evaluation")
        rows = [("audio/1.wav", "city_center"), ("audio/2.wav", "beach")]
        for i, (rel, _) in enumerate(rows):
            _clip(os.path.join(ev, rel), seed=10 + i)
        _write_lines(os.path.join(ev, "meta.txt"),
                     ["\t".join(r) for r in rows])
        _write_lines(os.path.join(ev, "evaluation_setup", "evaluate.txt"),
                     ["\t".join(r) for r in rows])
        _write_lines(os.path.join(ev, "evaluation_setup", "test.txt"),
                     [r[0] for r in rows])
    return folder


# GTZAN -------------------------------------------------------------------

GTZAN_GENRES = (
    "blues", "classical", "country", "disco", "hiphop", "jazz", "metal",
    "pop", "reggae", "rock",
)


def make_gtzan_genres_layout(root, kaggle=False):
    """One clip per genre: the original ``genres/<g>/<g>.00000.au`` (with
    the ``.mf`` lists), or with ``kaggle=True`` the Kaggle
    ``Data/genres_original/<g>/<g>.00000.wav`` plus its broken
    ``jazz.00054.wav`` (not audio)."""
    folder = os.path.join(root, "GTZAN")
    if kaggle:
        base, ext = os.path.join(folder, "Data", "genres_original"), "wav"
    else:
        base, ext = os.path.join(folder, "genres"), "au"
    for i, genre in enumerate(GTZAN_GENRES):
        _clip(os.path.join(base, genre, f"{genre}.00000.{ext}"), seed=i)
    if kaggle:
        with open(os.path.join(base, "jazz", "jazz.00054.wav"), "wb") as f:
            f.write(b"RIFF\x00\x00\x00\x00not really audio")
    else:
        _write_lines(os.path.join(base, "input.mf"), [
            f"{g}/{g}.00000.au\t{g}" for g in GTZAN_GENRES
        ])
    return folder


def make_gtzan_music_speech_layout(root):
    """``music_speech/{music_wav,speech_wav}`` with 2 clips each."""
    folder = os.path.join(root, "music_speech")
    clips = {"music_wav": ("bagpipe", "ballad"),
             "speech_wav": ("comedy", "teacher")}
    for i, (sub, names) in enumerate(clips.items()):
        for j, name in enumerate(names):
            _clip(os.path.join(folder, sub, f"{name}.wav"), seed=2 * i + j)
    _write_lines(os.path.join(folder, "music_speech.mf"), [
        f"{sub}/{n}.wav\t{sub.split('_')[0]}"
        for sub, names in clips.items() for n in names
    ])
    return folder


# Beijing Opera -----------------------------------------------------------

def make_beijing_opera_layout(root):
    """``beijing_opera_percussion_instrument_1.0/<fsid>__<user>__<class>-
    NN.wav``: 2 daluo and 2 bangu strokes; returns the folder holding it."""
    folder = os.path.join(root, "BeijingOpera")
    release = os.path.join(folder, "beijing_opera_percussion_instrument_1.0")
    names = ["205972__ajaysm__daluo-01.wav", "205974__ajaysm__daluo-02.wav",
             "205973__ajaysm__bangu-06.wav", "205980__ajaysm__bangu-07.wav"]
    for i, name in enumerate(names):
        _clip(os.path.join(release, name), seed=i)
    return folder


# NSynth ------------------------------------------------------------------

NSYNTH_QUALITIES = (
    "bright", "dark", "distortion", "fast_decay", "long_release",
    "multiphonic", "nonlinear_env", "percussive", "reverb", "tempo-synced",
)
NSYNTH_FAMILIES = (
    "bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ",
    "reed", "string", "synth_lead", "vocal",
)
NSYNTH_NOTES = {
    # split: [(family, source, instrument number, pitch, velocity, qualities)]
    "train": [("guitar", "acoustic", 30, 60, 100, ["bright"]),
              ("bass", "synthetic", 33, 22, 50, [])],
    "valid": [("synth_lead", "electronic", 4, 72, 127,
               ["fast_decay", "long_release"])],
    "test": [("bass", "synthetic", 68, 50, 25, ["dark", "percussive"]),
             ("synth_lead", "synthetic", 0, 64, 75, ["tempo-synced"])],
}
NSYNTH_SOURCES = ("acoustic", "electronic", "synthetic")


def make_nsynth_layout(root):
    """``nsynth-{train,valid,test}/{examples.json,audio/<note_str>.wav}``
    with the notes of ``NSYNTH_NOTES``."""
    folder = os.path.join(root, "NSynth")
    seed = 0
    for split, notes in NSYNTH_NOTES.items():
        examples = {}
        for family, source, number, pitch, velocity, qualities in notes:
            instrument_str = f"{family}_{source}_{number:03d}"
            note_str = f"{instrument_str}-{pitch:03d}-{velocity:03d}"
            examples[note_str] = {
                "note": 1000 + seed,
                "note_str": note_str,
                "instrument": 100 + seed,
                "instrument_str": instrument_str,
                "pitch": pitch,
                "velocity": velocity,
                "sample_rate": RATE,
                "qualities": [int(q in qualities) for q in NSYNTH_QUALITIES],
                "qualities_str": list(qualities),
                "instrument_family": NSYNTH_FAMILIES.index(family),
                "instrument_family_str": family,
                "instrument_source": NSYNTH_SOURCES.index(source),
                "instrument_source_str": source,
            }
            _clip(os.path.join(folder, f"nsynth-{split}", "audio",
                               f"{note_str}.wav"), seed=seed)
            seed += 1
        with open(os.path.join(folder, f"nsynth-{split}", "examples.json"),
                  "w", encoding="utf-8") as f:
            json.dump(examples, f, indent=4)
    return folder


# SESA --------------------------------------------------------------------

def make_sesa_layout(root):
    """``SESA/{train,test}/<class>_<n>.wav``: casual and gunshot clips for
    training, a casual and an ``alarm_`` clip (class siren) for testing."""
    folder = os.path.join(root, "SESA")
    names = {"train": ("casual_000.wav", "casual_001.wav", "gunshot_000.wav"),
             "test": ("casual_002.wav", "alarm_000.wav")}
    seed = 0
    for split, files in names.items():
        for name in files:
            _clip(os.path.join(folder, split, name), seed=seed)
            seed += 1
    return folder


# AudioSet ----------------------------------------------------------------

AUDIOSET_CLASSES = [
    (0, "/m/09x0r", "Speech"),
    (1, "/m/04rlf", "Music"),
    (2, "/m/07q2z82", "Accelerating, revving, vroom"),
]
AUDIOSET_SEGMENTS = {
    "balanced_train_segments": [
        ("--PJHxphWEs", "30.000", "40.000", "/m/09x0r,/m/04rlf"),
        ("--ZhevVpy1s", "50.000", "60.000", "/m/07q2z82"),
    ],
    "unbalanced_train_segments": [
        ("-0B_CYyG5Dw", "0.000", "10.000", "/m/04rlf"),
        ("-0BIyqJj9ZU", "30.000", "40.000", "/m/09x0r"),
    ],
    "eval_segments": [
        ("--4gqARaEJE", "0.000", "10.000", "/m/07q2z82,/m/09x0r"),
    ],
}
AUDIOSET_MISSING = "--ZhevVpy1s"  # listed, never downloaded
AUDIOSET_TITLED = {"--PJHxphWEs": "Street  band playing\nin the rain"}


def make_audioset_layout(root):
    """PANNs layout: ``metadata/`` (the three segment CSVs with their 3
    comment lines, class_labels_indices.csv, ontology.json) and
    ``audios/<csv name>/[part/]Y<YTID>.wav``; one clip has a yt-dlp
    ``.info.json``; ``AUDIOSET_MISSING`` is not downloaded."""
    folder = os.path.join(root, "AudioSet")
    meta = os.path.join(folder, "metadata")
    os.makedirs(meta, exist_ok=True)
    seed = 0
    for name, rows in AUDIOSET_SEGMENTS.items():
        labels = sum(len(r[3].split(",")) for r in rows)
        with open(os.path.join(meta, f"{name}.csv"), "w",
                  encoding="utf-8") as f:
            f.write("# Segments csv created Sun Mar  5 10:54:31 2017\n")
            f.write(f"# num_ytids={len(rows)}, num_segs={len(rows)}, "
                    f"num_unique_labels=3, num_positive_labels={labels}\n")
            f.write("# YTID, start_seconds, end_seconds, positive_labels\n")
            for ytid, start, end, mids in rows:
                f.write(f'{ytid}, {start}, {end}, "{mids}"\n')
        audio = os.path.join(folder, "audios", name)
        if name.startswith("unbalanced"):
            audio = os.path.join(audio, f"{name}_part00")
        for ytid, *_ in rows:
            if ytid == AUDIOSET_MISSING:
                continue
            path = _clip(os.path.join(audio, f"Y{ytid}.wav"), seed=seed)
            seed += 1
            if ytid in AUDIOSET_TITLED:
                with open(path[:-4] + ".info.json", "w",
                          encoding="utf-8") as f:
                    json.dump({"id": ytid, "title": AUDIOSET_TITLED[ytid]}, f)
    _write_lines(os.path.join(meta, "class_labels_indices.csv"), [
        "index,mid,display_name",
        *(f'{i},{mid},"{name}"' for i, mid, name in AUDIOSET_CLASSES),
    ])
    with open(os.path.join(meta, "ontology.json"), "w",
              encoding="utf-8") as f:
        json.dump([{"id": mid, "name": name, "description": "",
                    "citation_uri": "", "positive_examples": [],
                    "child_ids": [], "restrictions": []}
                   for _, mid, name in AUDIOSET_CLASSES], f)
    return folder


# CochlScene --------------------------------------------------------------

def make_cochlscene_layout(root):
    """``CochlScene/{Train,Val,Test}/<Scene>/<Scene>_user<N>_<id>_<n>.wav``
    for the scenes Bus and ResidentialArea."""
    folder = os.path.join(root, "CochlScene")
    seed = 0
    for split, count in (("Train", 2), ("Val", 1), ("Test", 1)):
        for scene in ("Bus", "ResidentialArea"):
            for n in range(count):
                name = f"{scene}_user{seed:04d}_1490{seed:04d}_{n:03d}.wav"
                _clip(os.path.join(folder, split, scene, name), seed=seed)
                seed += 1
    return folder


# FMA ---------------------------------------------------------------------

FMA_COLUMNS = [
    ("album", c) for c in (
        "comments", "date_created", "date_released", "engineer",
        "favorites", "id", "information", "listens", "producer", "tags",
        "title", "tracks", "type")
] + [
    ("artist", c) for c in (
        "active_year_begin", "active_year_end", "associated_labels", "bio",
        "comments", "date_created", "favorites", "id", "latitude",
        "location", "longitude", "members", "name", "related_projects",
        "tags", "website", "wikipedia_page")
] + [("set", "split"), ("set", "subset")] + [
    ("track", c) for c in (
        "bit_rate", "comments", "composer", "date_created",
        "date_recorded", "duration", "favorites", "genre_top", "genres",
        "genres_all", "information", "interest", "language_code", "license",
        "listens", "lyricist", "number", "publisher", "tags", "title")
]
FMA_GENRES = [
    # genre_id, #tracks, parent, title, top_level
    (21, 8389, 0, "Hip-Hop", 21),
    (10, 13845, 0, "Pop", 10),
    (76, 1046, 21, "Experimental Pop", 10),
    (103, 1299, 10, "Electropop", 10),
]
FMA_TRACKS = [
    # track_id, split, subset, genre_top, genres, language_code
    (2, "training", "small", "Hip-Hop", "[21]", "en"),
    (5, "validation", "small", "Hip-Hop", "[21]", ""),
    (10, "test", "small", "Pop", "[10]", "es"),
    (140, "training", "small", "Pop", "[10]", "en"),
    (20, "training", "medium", "", "[76, 103]", "en"),
]
FMA_NOT_DOWNLOADED = 140  # listed in tracks.csv, mp3 missing


def make_fma_layout(root):
    """``fma_metadata/{tracks.csv,genres.csv}`` with the real 52 columns
    and header rows, and ``fma_small/NNN/NNNNNN.mp3``; track 20 is
    medium-only, track 140's mp3 is missing."""
    folder = os.path.join(root, "FMA")
    meta = os.path.join(folder, "fma_metadata")
    rows = [
        [""] + [top for top, _ in FMA_COLUMNS],
        [""] + [sub for _, sub in FMA_COLUMNS],
        ["track_id"] + [""] * len(FMA_COLUMNS),
    ]
    for track_id, split, subset, top, genres, lang in FMA_TRACKS:
        values = dict.fromkeys(FMA_COLUMNS, "")
        values.update({
            ("set", "split"): split, ("set", "subset"): subset,
            ("track", "genre_top"): top, ("track", "genres"): genres,
            ("track", "genres_all"): genres,
            ("track", "language_code"): lang,
            ("track", "title"): f"Track {track_id}, live",
            ("artist", "name"): "AWOL", ("track", "duration"): 168,
        })
        rows.append([track_id] + [values[c] for c in FMA_COLUMNS])
    _write_csv(os.path.join(meta, "tracks.csv"), None, rows)
    _write_csv(os.path.join(meta, "genres.csv"),
               ["genre_id", "#tracks", "parent", "title", "top_level"],
               FMA_GENRES)
    for i, (track_id, _, subset, *_) in enumerate(FMA_TRACKS):
        if subset != "small" or track_id == FMA_NOT_DOWNLOADED:
            continue
        tid = f"{track_id:06d}"
        write_clip(os.path.join(folder, "fma_small", tid[:3], f"{tid}.mp3"),
                   SECONDS, RATE, seed=i, subtype="MPEG_LAYER_III")
    return folder


# Releases as users have them: Clotho-AQA's name disagreements ------------

# The real names Clotho-AQA spells two ways: (archive and question CSVs,
# metadata CSV) and (archive, question CSVs).
CLOTHOAQA_GEESE = "Geese1 - (Apollonia's sPA) 18.44 05.10.wav"
CLOTHOAQA_GEESE_METADATA = "Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav"
CLOTHOAQA_SOUFFLE = "souffle_me.tallique.wav"
CLOTHOAQA_SOUFFLE_QA = "souffle_me_tallique.wav"
CLOTHOAQA_METADATA_COLUMNS = [
    "file_name", "keywords", "sound_id", "sound_link", "start_end_samples",
    "manufacturer", "license",
]


def clothoaqa_plain_name(split, k):
    """The name of the ``k``-th plain clip of ``split`` (no disagreement)."""
    return f"{split.capitalize()} clip {k:02d}.wav"


def make_clothoaqa_release_layout(root, plain_clips=0):
    """Clotho-AQA as released, with its real name disagreements.

    ``audio_files/`` holds ``souffle_me.tallique.wav``, which
    ``clotho_aqa_train.csv`` writes ``souffle_me_tallique.wav``, and
    ``Geese1 - (Apollonia's sPA) 18.44 05.10.wav`` (``clotho_aqa_test.csv``
    writes it the same way; ``clotho_aqa_metadata.csv`` writes
    ``Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav``). Each of them has
    one question, "Is it outdoors?" (yes, yes, no: 3 train items, 1 test
    item); ``val`` has ``Val clip 00.wav`` with the same question.
    ``plain_clips`` more clips per split (``clothoaqa_plain_name``) each
    with that question, for shares of missing audio. Returns the folder.
    """
    folder = os.path.join(root, "ClothoAQA")
    audio = os.path.join(folder, "audio_files")
    answers = [("yes", "yes"), ("yes", "maybe"), ("no", "yes")]
    listed = {  # (name in the archive, name in the question CSV)
        "train": [(CLOTHOAQA_SOUFFLE, CLOTHOAQA_SOUFFLE_QA)],
        "val": [],
        "test": [(CLOTHOAQA_GEESE, CLOTHOAQA_GEESE)],
    }
    for split, files in listed.items():
        first = 0 if split == "val" else 1
        files += [(clothoaqa_plain_name(split, k),) * 2
                  for k in range(first, plain_clips + 1)]
    metadata = []
    for i, (split, files) in enumerate(listed.items()):
        rows = []
        for j, (archived, in_csv) in enumerate(files):
            _clip(os.path.join(audio, archived), seed=10 * i + j)
            rows += [[in_csv, "Is it outdoors?", a, c] for a, c in answers]
            in_metadata = (CLOTHOAQA_GEESE_METADATA
                           if archived == CLOTHOAQA_GEESE else archived)
            metadata.append([in_metadata, "outdoors;birds", 1000 + len(
                metadata), "https://freesound.org/people/x/sounds/1",
                "[0, 441000]", "x",
                "http://creativecommons.org/licenses/by/3.0/"])
        _write_csv(os.path.join(folder, f"clotho_aqa_{split}.csv"),
                   ["file_name", "QuestionText", "answer", "confidence"],
                   rows)
    _write_csv(os.path.join(folder, "clotho_aqa_metadata.csv"),
               CLOTHOAQA_METADATA_COLUMNS, metadata)
    return folder
