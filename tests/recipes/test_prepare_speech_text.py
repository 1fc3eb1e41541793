"""Prepare scripts of the speech, emotion, caption and QA datasets, run on
tiny copies of their official layouts (tests/layouts/speech_text.py).

Authors
 * pengi-sb developers 2026
"""

import functools
import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys

import pytest
from layouts import speech_text as layouts

from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.layout import LayoutError
from pengi_sb.tasks import get_template

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@functools.cache
def load_recipe(rel_path):
    """Imports ``recipes/<rel_path>`` as a module."""
    path = os.path.join(ROOT, "recipes", rel_path)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# name: (script, function, layout, options for the tiny layout, splits,
#        close-ended)
FOLDS = {"n_folds": 3, "valid_fold": 2, "test_fold": 3}
CASES = {
    "cremad": ("CREMAD/cremad_prepare.py", "prepare_cremad",
               layouts.make_cremad_layout, FOLDS,
               ["train", "valid", "test", "all"], True),
    "ravdess": ("RAVDESS/ravdess_prepare.py", "prepare_ravdess",
                layouts.make_ravdess_layout, FOLDS,
                ["train", "valid", "test", "all"], True),
    "vocalsound": ("VocalSound/vocalsound_prepare.py", "prepare_vocalsound",
                   layouts.make_vocalsound_layout, {},
                   ["train", "valid", "test"], True),
    "audiocaps": ("AudioCaps/audiocaps_prepare.py", "prepare_audiocaps",
                  layouts.make_audiocaps_layout, {},
                  ["train", "valid", "test"], False),
    "clotho": ("Clotho/clotho_prepare.py", "prepare_clotho",
               layouts.make_clotho_layout, {}, ["train", "valid", "test"],
               False),
    "clothoaqa": ("ClothoAQA/clothoaqa_prepare.py", "prepare_clothoaqa",
                  layouts.make_clothoaqa_layout, {},
                  ["train", "valid", "test"], False),
    "msppodcast": ("MSPPodcast/msppodcast_prepare.py", "prepare_msppodcast",
                   layouts.make_msppodcast_layout, {},
                   ["train", "valid", "test1", "test2"], True),
    "cmumosi": ("CMUMOSI/cmumosi_prepare.py", "prepare_cmumosi",
                layouts.make_cmumosi_layout, {}, ["train", "valid", "test"],
                True),
    "cmumosei": ("CMUMOSEI/cmumosei_prepare.py", "prepare_cmumosei",
                 layouts.make_cmumosei_layout, {}, ["train", "valid", "test"],
                 True),
    "meld": ("MELD/meld_prepare.py", "prepare_meld", layouts.make_meld_layout,
             {}, ["train", "valid", "test"], True),
    "wavtext5k": ("WavText5K/wavtext5k_prepare.py", "prepare_wavtext5k",
                  layouts.make_wavtext5k_layout, {}, ["train"], False),
    "sounddescs": ("SoundDescs/sounddescs_prepare.py", "prepare_sounddescs",
                   layouts.make_sounddescs_layout, {},
                   ["train", "valid", "test"], False),
    "macs": ("MACS/macs_prepare.py", "prepare_macs", layouts.make_macs_layout,
             {}, ["train"], False),
    "wavcaps": ("WavCaps/wavcaps_prepare.py", "prepare_wavcaps",
                layouts.make_wavcaps_layout, {}, ["train"], False),
    "freesound": ("FreeSound/freesound_prepare.py", "prepare_freesound",
                  layouts.make_freesound_layout, {}, ["train"], False),
}
DATASET_NAMES = {
    "cremad": "CREMA-D", "ravdess": "RAVDESS", "vocalsound": "VocalSound",
    "audiocaps": "AudioCaps", "clotho": "Clotho", "clothoaqa": "ClothoAQA",
    "msppodcast": "MSP-Podcast", "cmumosi": "CMU-MOSI",
    "cmumosei": "CMU-MOSEI", "meld": "MELD", "wavtext5k": "WavText5K",
    "sounddescs": "SoundDescs", "macs": "MACS", "wavcaps": "WavCaps",
    "freesound": "FreeSound",
}


def prepare_fn(name):
    script, function = CASES[name][:2]
    return getattr(load_recipe(script), function)


def run(name, tmp_path, **options):
    """Builds the tiny layout of ``name`` and prepares it.

    Returns (data_folder, save_folder, {split: path}).
    """
    layout, defaults = CASES[name][2], CASES[name][3]
    data = str(tmp_path / "data")
    if not os.path.isdir(data):
        layout(data)
    save = str(tmp_path / "save")
    paths = prepare_fn(name)(data, save, **{**defaults, **options})
    return data, save, paths


def manifests(paths, data_root=None):
    return {s: read_manifest(p, data_root=data_root) for s, p in paths.items()}


def labels_json(save):
    with open(os.path.join(save, "labels.json"), encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------- common


@pytest.mark.parametrize("name", sorted(CASES))
def test_prepare_writes_valid_manifests(name, tmp_path):
    data, save, paths = run(name, tmp_path)
    splits, closed = CASES[name][4], CASES[name][5]
    assert sorted(paths) == sorted(splits)
    items = manifests(paths, data_root=data)
    labels = labels_json(save) if closed else None
    for split, content in items.items():
        assert content, f"{name}: empty {split}"
        for item_id, item in content.items():
            assert os.path.isfile(item["wav"]), (name, item_id)
            assert item["dataset"] == DATASET_NAMES[name]
            expected_split = split if split != "all" else item["split"]
            assert item["split"] == expected_split
            assert item["duration"] == pytest.approx(layouts.SECONDS)
            template = get_template(item["task"])
            assert item["prompt"].startswith(template.prompt.split("{")[0])
            assert item["target"]
            if closed:
                assert item["labels"] == [item["target"]]
                assert item["target"] in labels
            else:
                assert "labels" not in item
    raw = manifests(paths)
    for content in raw.values():
        assert all(i["wav"].startswith("{data_root}/")
                   for i in content.values())
    if not closed:  # the shared flow writes an empty class list
        assert labels_json(save) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_rerun_skips_existing_manifests(name, tmp_path):
    data, save, paths = run(name, tmp_path)
    first = sorted(paths)[0]
    with open(paths[first], "w", encoding="utf-8") as f:
        json.dump({"marker": {"wav": "x.wav", "duration": 1.0,
                              "task": "captioning", "prompt": "p",
                              "target": "t"}}, f)
    again = prepare_fn(name)(data, save, **CASES[name][3])
    assert again == paths
    assert list(read_manifest(paths[first])) == ["marker"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_folder_raises_layout_error(name, tmp_path):
    (tmp_path / "not_the_dataset").mkdir()
    (tmp_path / "not_the_dataset" / "readme.txt").write_text("hello")
    options = CASES[name][3]
    with pytest.raises(LayoutError, match=DATASET_NAMES[name]):
        prepare_fn(name)(str(tmp_path / "not_the_dataset"),
                         str(tmp_path / "save"), **options)
    with pytest.raises(LayoutError, match="does not exist"):
        prepare_fn(name)(str(tmp_path / "missing"), str(tmp_path / "save"),
                         **options)
    assert not os.path.exists(tmp_path / "save" / "train.json")


@pytest.mark.parametrize("name", ["cremad", "clotho", "wavcaps"])
def test_skip_prep_writes_nothing(name, tmp_path):
    paths = prepare_fn(name)(str(tmp_path / "missing"),
                             str(tmp_path / "save"), skip_prep=True,
                             **CASES[name][3])
    assert sorted(paths) == sorted(CASES[name][4])
    assert not os.path.exists(tmp_path / "save")


def test_script_runs_from_command_line(tmp_path):
    data = layouts.make_cremad_layout(str(tmp_path / "data"))
    save = tmp_path / "save"
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "recipes", "CREMAD",
                                      "cremad_prepare.py"),
         "--data_folder", data, "--save_folder", str(save), "--n_folds", "3",
         "--valid_fold", "2", "--test_fold", "3"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(read_manifest(str(save / "all.json"))) == 12


# ---------------------------------------------------------- per dataset


def test_cremad_speaker_independent_folds(tmp_path):
    _, save, paths = run("cremad", tmp_path)
    items = manifests(paths)
    speakers = {s: {i["speaker"] for i in items[s].values()}
                for s in ("train", "valid", "test")}
    assert speakers == {"train": {"1001"}, "valid": {"1002"},
                        "test": {"1003"}}
    item = items["test"]["1003_IEO_HAP_HI"]
    assert (item["target"], item["intensity"], item["sentence"]) == (
        "happy", "high", "IEO")
    assert labels_json(save) == ["anger", "disgust", "fear", "happy",
                                 "neutral", "sad"]
    with pytest.raises(ValueError, match="different folds"):
        prepare_fn("cremad")("x", "y", valid_fold=5, test_fold=5)


def test_ravdess_decodes_names_and_skips_song(tmp_path):
    _, save, paths = run("ravdess", tmp_path)
    items = manifests(paths)
    assert len(items["all"]) == 12
    item = items["all"]["03-01-05-02-02-01-02"]
    assert item["target"] == "angry"
    assert (item["intensity"], item["statement"], item["gender"]) == (
        "strong", "Dogs are sitting by the door", "female")
    assert {i["speaker"] for i in items["test"].values()} == {"03"}
    assert len(labels_json(save)) == 8
    _, _, paths = run("ravdess", tmp_path, include_song=True)
    song = manifests(paths)["all"]["03-02-03-01-01-01-01"]
    assert (song["vocal_channel"], song["target"]) == ("song", "happy")


def test_vocalsound_official_splits_and_labels(tmp_path):
    data, save, paths = run("vocalsound", tmp_path)
    items = manifests(paths)
    assert sorted(items["valid"]) == ["m0004_0_cough", "m0004_0_laughter"]
    assert items["test"]["f0005_0_laughter"]["prompt"] == "this is a sound of"
    assert items["test"]["f0005_0_laughter"]["target"] == "laughter"
    assert "throat clearing" in labels_json(save)
    with open(os.path.join(data, "datafiles", "te.json")) as f:
        datafile = json.load(f)
    datafile["data"][0]["labels"] = "/m/unknown"
    with open(os.path.join(data, "datafiles", "te.json"), "w") as f:
        json.dump(datafile, f)
    with pytest.raises(LayoutError, match="te.json"):
        prepare_fn("vocalsound")(data, str(tmp_path / "other"))


def test_audiocaps_groups_references_for_evaluation(tmp_path):
    data, _, paths = run("audiocaps", tmp_path)
    items = manifests(paths)
    assert sorted(items["train"]) == ["101", "102", "103"]
    assert items["train"]["102"]["target"] == "Rain falls on a roof"
    valid = items["valid"]["vAAAA_30"]
    assert valid["wav"] == "{data_root}/val/201.wav"
    assert valid["references"] == [f"val caption {k}" for k in range(1, 6)]
    assert valid["target"] == "val caption 1"
    assert sorted(items["test"]) == ["tBBBB_0", "tCCCC_10"]
    assert items["test"]["tCCCC_10"]["wav"] == "{data_root}/test/308.wav"
    assert len(items["test"]["tCCCC_10"]["references"]) == 5
    # files named by youtube_id (another downloader) are refused clearly
    for name in os.listdir(os.path.join(data, "train")):
        os.rename(os.path.join(data, "train", name),
                  os.path.join(data, "train", "yT" + name))
    with pytest.raises(LayoutError, match="audiocap_id"):
        prepare_fn("audiocaps")(data, str(tmp_path / "other"))


def test_clotho_captions_and_audio_folders(tmp_path):
    data, _, paths = run("clotho", tmp_path)
    items = manifests(paths)
    assert sorted(items["train"])[:2] == ["Water flowing_1", "Water flowing_2"]
    assert len(items["train"]) == 10
    assert items["train"]["dog_bark_01_3"]["target"] == "dog_bark_01 caption 3"
    valid = items["valid"]["Wind gusts"]
    assert valid["wav"] == (
        "{data_root}/clotho_audio_validation/validation/Wind gusts.wav")
    assert valid["references"] == [f"Wind gusts caption {k}"
                                   for k in range(1, 6)]
    assert len(items["test"]) == 2
    shutil.rmtree(os.path.join(data, "clotho_audio_evaluation"))
    with pytest.raises(LayoutError, match="clotho_audio_evaluation"):
        prepare_fn("clotho")(data, str(tmp_path / "other"))


def test_clothoaqa_answers_and_types(tmp_path):
    _, _, paths = run("clothoaqa", tmp_path)
    items = manifests(paths)
    assert len(items["train"]) == 6
    train = items["train"]["Rain on tin_q2_a2"]
    assert (train["prompt"], train["target"]) == (
        "question: What is falling?", "rain")
    assert train["answer_type"] == "open"
    assert items["train"]["Rain on tin_q1_a3"]["answer_type"] == "yes_no"
    valid = items["valid"]["Dog park_q1"]
    assert valid["answers"] == ["yes", "yes", "yes"]
    cars = items["test"]["Street noise_q1"]
    assert (cars["target"], cars["answer_type"]) == ("no", "yes_no")
    assert cars["answers"] == ["yes", "no", "no"]
    honks = items["test"]["Street noise_q2"]
    assert (honks["target"], honks["answer_type"]) == ("bus", "open")


def test_msppodcast_classes_and_partitions(tmp_path):
    _, save, paths = run("msppodcast", tmp_path)
    items = manifests(paths)
    assert sorted(items["train"]) == ["MSP-PODCAST_0001_0001",
                                      "MSP-PODCAST_0001_0002"]
    assert items["test1"]["MSP-PODCAST_0003_0001"]["target"] == "sad"
    assert items["valid"]["MSP-PODCAST_0002_0001"]["valence"] == 3.8
    assert len(labels_json(save)) == 8
    _, _, paths = run("msppodcast", tmp_path,
                      splits=["train", "valid", "test1", "test2", "test3"])
    assert list(read_manifest(paths["test3"])) == ["MSP-PODCAST_0006_0001"]
    with pytest.raises(ValueError, match="unknown split"):
        prepare_fn("msppodcast")("x", "y", splits=["dev"])


def test_cmu_sentiment_thresholds(tmp_path):
    data, save, paths = run("cmumosi", tmp_path)
    items = manifests(paths)
    assert items["valid"]["0h-zjBukYpk_1"]["target"] == "neutral"
    assert items["test"]["1DmNV9C1hbY_2"]["target"] == "positive"
    assert items["train"]["03bSnISJMiM_1"]["score"] == -2.4
    assert labels_json(save) == ["negative", "neutral", "positive"]
    _, _, paths = run("cmumosi", tmp_path, neutral_threshold=0.5)
    assert read_manifest(paths["test"])["1DmNV9C1hbY_2"]["target"] == (
        "neutral")
    with pytest.raises(ValueError, match="clip_id"):
        prepare_fn("cmumosi")(data, save, audio_pattern="wav/{video_id}.wav")


def test_cmumosi_sdk_segmented_audio_pattern(tmp_path):
    data = layouts.make_cmumosi_layout(str(tmp_path / "data"))
    segmented = os.path.join(data, "Audio", "WAV_16000", "Segmented")
    os.makedirs(segmented)
    for video in os.listdir(os.path.join(data, "Raw")):
        for name in os.listdir(os.path.join(data, "Raw", video)):
            os.rename(os.path.join(data, "Raw", video, name),
                      os.path.join(segmented, f"{video}_{name}"))
    shutil.rmtree(os.path.join(data, "Raw"))
    paths = prepare_fn("cmumosi")(
        data, str(tmp_path / "save"),
        audio_pattern="Audio/WAV_16000/Segmented/{video_id}_{clip_id}.wav")
    item = read_manifest(paths["train"])["03bSnISJMiM_2"]
    assert item["wav"] == (
        "{data_root}/Audio/WAV_16000/Segmented/03bSnISJMiM_2.wav")


def test_meld_emotion_and_sentiment_items(tmp_path):
    data, save, paths = run("meld", tmp_path)
    items = manifests(paths)
    train = items["train"]
    assert (train["dia0_utt1_emotion"]["prompt"],
            train["dia0_utt1_emotion"]["target"]) == ("this emotion is",
                                                      "anger")
    assert (train["dia0_utt1_sentiment"]["prompt"],
            train["dia0_utt1_sentiment"]["target"]) == ("this sentiment is",
                                                        "negative")
    assert "dia110_utt7_emotion" not in items["valid"]
    with open(os.path.join(save, "labels_sentiment.json")) as f:
        assert json.load(f) == ["negative", "neutral", "positive"]
    assert len(labels_json(save)) == 9
    _, save2, paths = run("meld", tmp_path, tasks=["sentiment"])
    assert all(i["task"] == "sentiment"
               for i in read_manifest(paths["test"]).values())
    assert labels_json(save2) == ["negative", "neutral", "positive"]


def test_wavtext5k_caption_fallback_and_audio_folder(tmp_path):
    data, _, paths = run("wavtext5k", tmp_path)
    items = read_manifest(paths["train"])
    assert items["0100"]["target"] == "Birds singing, drive away, fly."
    assert items["0477"]["target"] == "Wilhelm scream"
    assert "0595" not in items
    shutil.rmtree(os.path.join(data, "WavText5K"))
    with pytest.raises(LayoutError, match="WavText5K/<rate>/audios"):
        prepare_fn("wavtext5k")(data, str(tmp_path / "other"))


def test_sounddescs_splits_and_safe_pickle(tmp_path):
    data, _, paths = run("sounddescs", tmp_path)
    items = manifests(paths)
    assert sorted(items["train"]) == ["07033137", "nhu05091190"]
    test = items["test"]["nhu05072165"]
    assert test["references"] == ["Waves breaking on a shingle beach."]
    pkl = os.path.join(data, "sounddescs_data", "descriptions.pkl")
    with open(pkl, "wb") as f:
        pickle.dump({"07033137": os.getcwd}, f)
    with pytest.raises(LayoutError, match="refusing"):
        prepare_fn("sounddescs")(data, str(tmp_path / "other"))


def test_macs_one_item_per_annotator(tmp_path):
    _, _, paths = run("macs", tmp_path)
    items = read_manifest(paths["train"])
    assert sorted(items) == [
        "airport-lisbon-1000-40000-a_1", "airport-lisbon-1000-40000-a_2",
        "park-helsinki-241-7146-a_3", "park-helsinki-241-7146-a_4"]
    item = items["airport-lisbon-1000-40000-a_2"]
    assert item["target"] == "footsteps and chatter echo"
    assert (item["scene"], item["tags"]) == ("airport",
                                             "adults talking, footsteps")


def test_wavcaps_sources_and_blacklists(tmp_path):
    data, _, paths = run("wavcaps", tmp_path)
    items = read_manifest(paths["train"])
    assert sorted(items) == ["AudioSet_SL_Y0a1b2c3d4e5",
                             "BBC_Sound_Effects_07001001",
                             "FreeSound_180913", "SoundBible_2219"]
    assert items["SoundBible_2219"]["target"] == "An airplane is landing."
    _, _, paths = run("wavcaps", tmp_path, blacklists=[])
    assert len(read_manifest(paths["train"])) == 6
    _, _, paths = run("wavcaps", tmp_path, sources=["SoundBible"],
                      blacklists=[])
    assert list(read_manifest(paths["train"])) == ["SoundBible_2219"]
    with pytest.raises(LayoutError, match="blacklist"):
        prepare_fn("wavcaps")(data, str(tmp_path / "other"),
                              blacklists=["blacklist_missing.json"])


def test_freesound_metadata_from_json_and_csv(tmp_path):
    data, _, paths = run("freesound", tmp_path)
    items = read_manifest(paths["train"])
    assert items["1234"]["prompt"] == "generate metadata"
    assert items["1234"]["target"] == (
        "Rain on roof 01. tags: rain, field recording")
    assert items["5678"]["wav"] == "{data_root}/audio/5678.flac"
    assert "9012" not in items
    os.remove(os.path.join(data, "metadata.json"))
    with open(os.path.join(data, "metadata.csv"), "w") as f:
        f.write("id,title,tags,description\n5678,Dog bark,dog bark,woof\n")
    paths = prepare_fn("freesound")(data, str(tmp_path / "csv"))
    assert read_manifest(paths["train"])["5678"]["target"] == (
        "Dog bark. tags: dog, bark")
