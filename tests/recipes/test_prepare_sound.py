"""Prepare scripts of the sound-event, scene and music datasets, run on tiny
copies of their official layouts (tests/layouts/sound.py).

Authors
 * pengi-sb developers 2026
"""

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest
from layouts import sound

from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import parse_options, run_prepare_cli
from pengi_sb.prepare.cli import REPORT_FILE, MissingAudioError
from pengi_sb.prepare.names import FileNameMatcher

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def load_recipe(folder, module):
    """Imports ``recipes/<folder>/<module>.py`` (recipes are no package)."""
    path = os.path.join(ROOT, "recipes", folder, f"{module}.py")
    spec = importlib.util.spec_from_file_location(module, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def outputs(save_folder):
    return sorted(
        os.path.join(save_folder, f) for f in os.listdir(save_folder)
        if f.endswith(".json")
    )


def prepare(fn, data, save, splits, dataset, task, /, **options):
    """Runs ``fn``, checks what every manifest must satisfy, returns
    ``({split: {id: item}}, labels)``."""
    paths = fn(data, save, **options)
    assert sorted(paths) == sorted(splits)
    with open(os.path.join(save, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    assert labels and len(set(labels)) == len(labels)
    manifests = {}
    for split, path in paths.items():
        assert path == os.path.join(save, f"{split}.json")
        raw = read_manifest(path)
        items = read_manifest(path, data_root=data)
        for item_id, item in items.items():
            assert raw[item_id]["wav"].startswith("{data_root}/")
            assert os.path.isfile(item["wav"]), item["wav"]
            assert item["split"] == split and item["dataset"] == dataset
            assert item["duration"] == pytest.approx(0.5, abs=0.01)
            if item["task"] != task:  # AudioSet's metadata items
                assert "labels" not in item
                continue
            for label in item["labels"]:
                assert label in labels
                assert label in item["target"]
        manifests[split] = items
    return manifests, labels


def assert_skips_rerun(fn, data, save, **options):
    """A second identical run rewrites nothing."""
    before = {p: os.stat(p).st_mtime_ns for p in outputs(save)}
    fn(data, save, **options)
    assert {p: os.stat(p).st_mtime_ns for p in outputs(save)} == before


def assert_refuses(fn, tmp_path, missing, **options):
    """A folder that is not the layout gives a LayoutError naming
    ``missing``; skip_prep still returns the paths without looking."""
    empty = tmp_path / "not_the_dataset"
    empty.mkdir(exist_ok=True)
    with pytest.raises(LayoutError, match=missing):
        fn(str(empty), str(tmp_path / "refused"), **options)
    assert fn(str(empty), str(tmp_path / "refused"), skip_prep=True,
              **options)
    assert not (tmp_path / "refused").exists()


# ESC-50 ------------------------------------------------------------------

def test_esc50(tmp_path):
    mod = load_recipe("ESC50", "esc50_prepare")
    data = sound.make_esc50_layout(str(tmp_path))
    save = str(tmp_path / "esc50")
    splits = [f"fold{k}" for k in range(1, 6)] + ["test"]
    m, labels = prepare(mod.prepare_esc50, data, save, splits, "ESC50",
                        "sound_event")
    assert labels == ["chirping birds", "dog"]
    assert len(m["test"]) == 7 and len(m["fold1"]) == 3
    assert set(m["fold2"]) == {"2-100648-A-0"}
    item = m["fold1"]["1-100038-A-14"]
    assert item["prompt"] == "this is a sound of"
    assert item["target"] == "chirping birds" and item["fold"] == 1
    assert item["wav"] == os.path.join(data, "audio", "1-100038-A-14.wav")
    assert_skips_rerun(mod.prepare_esc50, data, save)
    assert_refuses(mod.prepare_esc50, tmp_path, "meta/esc50.csv")


def test_esc50_actions(tmp_path):
    mod = load_recipe("ESC50", "esc50_prepare")
    data = sound.make_esc50_layout(str(tmp_path))
    save = str(tmp_path / "esc50")
    mod.prepare_esc50(data, save)
    splits = [f"fold{k}" for k in range(1, 6)] + ["test"]
    m, labels = prepare(mod.prepare_esc50, data, save, splits, "ESC50",
                        "sound_event", subset="actions")
    assert labels == list(sound.ESC50_ACTIONS)  # options changed: re-run
    test = m["test"]
    assert "1-115546-A-14" not in test  # rated 0 for every action
    assert len(test) == 6 and len(m["fold1"]) == 2
    assert test["1-100032-A-0"]["target"] == "calling, wailing"
    assert test["1-100032-A-0"]["labels"] == ["calling", "wailing"]
    assert test["1-100038-A-14"]["labels"] == ["singing"]  # top action
    ratings = test["3-101296-A-14"]["action_ratings"]
    assert len(ratings) == 20 and ratings["singing"] == 2.0
    assert_skips_rerun(mod.prepare_esc50, data, save, subset="actions")
    strict = str(tmp_path / "strict")
    m, _ = prepare(mod.prepare_esc50, data, strict, splits, "ESC50",
                   "sound_event", subset="actions", action_threshold=3.0)
    assert m["test"]["1-100032-A-0"]["labels"] == ["calling"]
    os.remove(os.path.join(data, "actionvector_one_per_audiofile.csv"))
    with pytest.raises(LayoutError, match="actionvector_one_per_audiofile"):
        mod.prepare_esc50(data, str(tmp_path / "x"), subset="actions")
    with pytest.raises(ValueError, match="subset"):
        mod.prepare_esc50(data, save, subset="animals")


# UrbanSound8K ------------------------------------------------------------

def test_urbansound8k(tmp_path):
    mod = load_recipe("UrbanSound8K", "urbansound8k_prepare")
    data = sound.make_urbansound8k_layout(str(tmp_path))
    save = str(tmp_path / "us8k")
    splits = [f"fold{k}" for k in range(1, 11)] + ["test"]
    m, labels = prepare(mod.prepare_urbansound8k, data, save, splits,
                        "UrbanSound8K", "sound_event")
    assert labels == ["dog bark", "siren"]
    assert len(m["test"]) == 10
    assert all(len(m[f"fold{k}"]) == 1 for k in range(1, 11))
    item = m["fold1"]["100001-3-0-1"]
    assert item["target"] == "dog bark" and item["fold"] == 1
    assert item["salience"] == 2 and "start" not in item
    assert m["test"]["100002-8-0-2"]["target"] == "siren"
    assert_skips_rerun(mod.prepare_urbansound8k, data, save)
    assert_refuses(mod.prepare_urbansound8k, tmp_path, "UrbanSound8K.csv")


# FSD50K ------------------------------------------------------------------

def test_fsd50k(tmp_path):
    mod = load_recipe("FSD50K", "fsd50k_prepare")
    data = sound.make_fsd50k_layout(str(tmp_path))
    save = str(tmp_path / "fsd")
    m, labels = prepare(mod.prepare_fsd50k, data, save,
                        ["train", "valid", "test"], "FSD50K", "sound_event")
    assert labels == ["Accelerating and revving and vroom", "Bark", "Dog"]
    assert set(m["train"]) == {"64760", "16399"}
    assert set(m["valid"]) == {"21400"} and len(m["test"]) == 2
    assert m["train"]["64760"]["target"] == "Bark, Dog"
    assert m["train"]["64760"]["labels"] == ["Bark", "Dog"]
    assert m["test"]["37199"]["labels"] == ["Dog", "Bark"]
    assert m["test"]["175151"]["target"] == (
        "Accelerating and revving and vroom"
    )
    assert m["test"]["175151"]["wav"].endswith(
        "FSD50K.eval_audio/175151.wav"
    )
    assert_skips_rerun(mod.prepare_fsd50k, data, save)
    assert_refuses(mod.prepare_fsd50k, tmp_path, "vocabulary.csv")


# DCASE 2017 Task 4 -------------------------------------------------------

def test_dcase2017task4(tmp_path):
    mod = load_recipe("DCASE2017Task4", "dcase2017task4_prepare")
    data = sound.make_dcase2017task4_layout(str(tmp_path))
    save = str(tmp_path / "dcase")
    m, labels = prepare(mod.prepare_dcase2017task4, data, save,
                        ["train", "valid", "test"], "DCASE2017Task4",
                        "sound_event")
    assert len(labels) == 17 and "Air horn, truck horn" in labels
    # -1HlfoHZCEE was never downloaded: left out
    assert set(m["train"]) == {"0_HnD-rW3lI_170.000_180.000",
                               "-8baTnilyjs_30.000_40.000"}
    assert m["train"]["0_HnD-rW3lI_170.000_180.000"]["labels"] == [
        "Train horn", "Train"]
    two = m["valid"]["-5QrBL6MzLg_60.000_70.000"]
    assert two["labels"] == ["Train horn", "Air horn, truck horn"]
    assert two["target"] == "Train horn, Air horn, truck horn"
    assert two["wav"].endswith("testing/Y-5QrBL6MzLg_60.000_70.000.wav")
    assert len(m["valid"]) == 2 and len(m["test"]) == 2
    assert m["test"]["3FWHjjZGT9U_80.000_90.000"]["target"] == "Car alarm"
    assert_skips_rerun(mod.prepare_dcase2017task4, data, save)
    # audio folders named by the user (e.g. the downloader's own)
    os.rename(os.path.join(data, "evaluation_set_formatted_audio_segments"),
              os.path.join(data, "eval_2017_audio"))
    m, _ = prepare(mod.prepare_dcase2017task4, data, save,
                   ["train", "valid", "test"], "DCASE2017Task4",
                   "sound_event", audio_dirs={"test": "eval_2017_audio"})
    assert len(m["test"]) == 2
    with pytest.raises(LayoutError, match="evaluation_set_formatted"):
        mod.prepare_dcase2017task4(data, str(tmp_path / "x"))
    with pytest.raises(ValueError, match="unknown split"):
        mod.prepare_dcase2017task4(data, save, audio_dirs={"eval": "a"})
    assert_refuses(mod.prepare_dcase2017task4, tmp_path, "training_set.csv")


# TUT Acoustic Scenes 2017 ------------------------------------------------

def test_tut2017(tmp_path):
    mod = load_recipe("TUT2017", "tut2017_prepare")
    data = sound.make_tut2017_layout(str(tmp_path))
    save = str(tmp_path / "tut")
    splits = [f"fold{k}_{p}" for k in range(1, 5)
              for p in ("train", "evaluate")] + ["test"]
    m, labels = prepare(mod.prepare_tut2017, data, save, splits, "TUT2017",
                        "acoustic_scene")
    assert labels == ["beach", "city center"]
    assert set(m["fold1_evaluate"]) == {"b020_90_100"}
    assert len(m["fold1_train"]) == 3 and "b020_90_100" not in (
        m["fold1_train"])
    item = m["fold3_evaluate"]["a011_30_40"]
    assert item["prompt"] == "this acoustic scene is"
    assert item["target"] == "city center"
    assert m["test"]["1"]["target"] == "city center"
    assert m["test"]["2"]["wav"].endswith(
        "TUT-acoustic-scenes-2017-evaluation/audio/2.wav"
    )
    assert_skips_rerun(mod.prepare_tut2017, data, save)
    assert_refuses(mod.prepare_tut2017, tmp_path, "fold1_train.txt")


def test_tut2017_development_only(tmp_path, caplog):
    """Without the evaluation set the four folds prepare (its absence
    logged); split test, which needs it, says what to unzip where."""
    mod = load_recipe("TUT2017", "tut2017_prepare")
    data = sound.make_tut2017_layout(str(tmp_path), evaluation=False)
    folds = [f"fold{k}_{p}" for k in range(1, 5)
             for p in ("train", "evaluate")]
    with caplog.at_level("INFO"):
        m, labels = prepare(mod.prepare_tut2017, data, str(tmp_path / "a"),
                            folds, "TUT2017", "acoustic_scene")
    assert labels == ["beach", "city center"] and len(m["fold2_train"]) == 3
    logged = caplog.text
    assert "no evaluation set" in logged and mod.EVAL in logged
    assert "zenodo.org/record/1040168" in logged
    paths = mod.prepare_tut2017(data, str(tmp_path / "b"),
                                evaluation_set=False)
    assert sorted(paths) == sorted(folds)
    # split test (zero-shot, the fine-tuning 'evaluation' run) needs it
    with pytest.raises(LayoutError) as err:
        mod.prepare_tut2017(data, str(tmp_path / "c"), evaluation_set=True)
    message = str(err.value)
    for needed in ("split 'test'", f"{mod.EVAL}.audio.*.zip",
                   f"{mod.EVAL}.meta.zip", "zenodo.org/record/1040168",
                   os.path.join(data, mod.EVAL), "--evaluation_set auto"):
        assert needed in message, needed
    assert not os.path.exists(tmp_path / "c")
    with pytest.raises(ValueError, match="auto"):
        mod.prepare_tut2017(data, str(tmp_path / "d"), evaluation_set="yes")
    # the evaluation set unzipped later: auto picks it up (a new run)
    full = sound.make_tut2017_layout(str(tmp_path / "later"))
    shutil.copytree(os.path.join(full, mod.EVAL), os.path.join(data, mod.EVAL))
    assert "test" in mod.prepare_tut2017(data, str(tmp_path / "a"))
    assert len(read_manifest(os.path.join(tmp_path, "a", "test.json"))) == 2
    # which recipe needs it: zero-shot and fine-tuning score test, the
    # linear probe's folds do not
    wanted = {"zeroshot/hparams/zeroshot.yaml": "True",
              "finetune/hparams/finetune.yaml": "True",
              "finetune/hparams/linear_probe.yaml": "False"}
    for rel, value in wanted.items():
        with open(os.path.join(ROOT, "recipes", "TUT2017", rel)) as f:
            assert f"\nevaluation_set: {value}\n" in f.read(), rel


# GTZAN -------------------------------------------------------------------

@pytest.mark.parametrize("kaggle", [False, True])
def test_gtzan_genres(tmp_path, kaggle):
    mod = load_recipe("GTZANGenres", "gtzan_genres_prepare")
    data = sound.make_gtzan_genres_layout(str(tmp_path), kaggle=kaggle)
    save = str(tmp_path / "gtzan")
    m, labels = prepare(mod.prepare_gtzan_genres, data, save, ["test"],
                        "GTZANGenres", "music_analysis")
    assert labels == list(sound.GTZAN_GENRES)
    assert len(m["test"]) == 10  # the broken Kaggle jazz.00054 left out
    item = m["test"]["jazz.00000"]
    assert item["prompt"] == "music analysis"
    assert item["target"] == "this is a sound of music and genre jazz"
    assert item["wav"].endswith("jazz.00000." + ("wav" if kaggle else "au"))
    assert_skips_rerun(mod.prepare_gtzan_genres, data, save)
    assert_refuses(mod.prepare_gtzan_genres, tmp_path, "genres")


def test_gtzan_music_speech(tmp_path):
    mod = load_recipe("GTZANMusicSpeech", "gtzan_music_speech_prepare")
    data = sound.make_gtzan_music_speech_layout(str(tmp_path))
    save = str(tmp_path / "ms")
    m, labels = prepare(mod.prepare_gtzan_music_speech, data, save,
                        ["test"], "GTZANMusicSpeech", "sound_event")
    assert labels == ["music", "speech"]
    assert sorted(m["test"]) == ["music/bagpipe", "music/ballad",
                                 "speech/comedy", "speech/teacher"]
    assert m["test"]["speech/comedy"]["target"] == "speech"
    assert m["test"]["music/ballad"]["labels"] == ["music"]
    assert_skips_rerun(mod.prepare_gtzan_music_speech, data, save)
    assert_refuses(mod.prepare_gtzan_music_speech, tmp_path, "music_wav")


# Beijing Opera -----------------------------------------------------------

def test_beijing_opera(tmp_path):
    mod = load_recipe("BeijingOpera", "beijing_opera_prepare")
    data = sound.make_beijing_opera_layout(str(tmp_path))
    save = str(tmp_path / "bo")
    m, labels = prepare(mod.prepare_beijing_opera, data, save, ["test"],
                        "BeijingOpera", "sound_event")
    assert labels == ["bangu", "daluo", "naobo", "xiaoluo"]
    assert len(m["test"]) == 4
    item = m["test"][
        "beijing_opera_percussion_instrument_1.0/205972__ajaysm__daluo-01"]
    assert item["target"] == "daluo" and item["labels"] == ["daluo"]
    assert_skips_rerun(mod.prepare_beijing_opera, data, save)
    m, _ = prepare(mod.prepare_beijing_opera, data, str(tmp_path / "note"),
                   ["test"], "BeijingOpera", "music_note", task="music_note")
    item = m["test"][
        "beijing_opera_percussion_instrument_1.0/205973__ajaysm__bangu-06"]
    assert item["prompt"] == "this music note is"
    assert item["target"] == "produced by bangu"
    # class folders as sorted copies have them
    assert mod.clip_label(os.path.join("x", "Naobo", "stroke 3.wav")) == (
        "naobo")
    sound._clip(os.path.join(data, "notes", "unnamed.wav"))
    with pytest.raises(ValueError, match="unnamed.wav"):
        mod.prepare_beijing_opera(data, str(tmp_path / "x"))
    assert_refuses(mod.prepare_beijing_opera, tmp_path, "no usable audio")


# NSynth ------------------------------------------------------------------

def test_nsynth(tmp_path):
    mod = load_recipe("NSynth", "nsynth_prepare")
    data = sound.make_nsynth_layout(str(tmp_path))
    save = str(tmp_path / "full")
    m, labels = prepare(mod.prepare_nsynth, data, save,
                        ["train", "valid", "test"], "NSynth", "music_note")
    assert labels[-2:] == ["synth lead", "vocal"] and len(labels) == 11
    assert len(m["train"]) == 2 and len(m["valid"]) == 1
    item = m["test"]["bass_synthetic_068-050-025"]
    assert item["prompt"] == "this music note is"
    assert item["target"] == (
        "produced by bass, pitch 50, velocity 25, qualities dark, percussive"
    )
    assert item["labels"] == ["bass"] and item["pitch"] == 50
    assert m["train"]["bass_synthetic_033-022-050"]["target"] == (
        "produced by bass, pitch 22, velocity 50"
    )
    assert m["valid"]["synth_lead_electronic_004-072-127"]["target"] == (
        "produced by synth lead, pitch 72, velocity 127, qualities fast "
        "decay, long release"
    )
    assert_skips_rerun(mod.prepare_nsynth, data, save)
    assert_refuses(mod.prepare_nsynth, tmp_path, "nsynth-train")


@pytest.mark.parametrize("target, labels, note_labels", [
    ("instrument_family", None, ["synth lead"]),
    ("pitch", ["pitch 50", "pitch 64"], ["pitch 64"]),
    ("velocity", ["velocity 25", "velocity 75"], ["velocity 75"]),
    ("qualities", None, ["tempo-synced"]),
])
def test_nsynth_benchmarks(tmp_path, target, labels, note_labels):
    mod = load_recipe("NSynth", "nsynth_prepare")
    data = sound.make_nsynth_layout(str(tmp_path))
    m, got = prepare(mod.prepare_nsynth, data, str(tmp_path / target),
                     ["test"], "NSynth", "music_note", target=target,
                     splits=["test"])
    if labels is not None:
        assert got == labels
    item = m["test"]["synth_lead_synthetic_000-064-075"]
    assert item["labels"] == note_labels
    assert item["target"] == (
        "produced by synth lead, pitch 64, velocity 75, qualities "
        "tempo-synced"
    )
    if target == "qualities":
        assert got[3:5] == ["fast decay", "long release"]
    with pytest.raises(ValueError, match="splits"):
        mod.prepare_nsynth(data, str(tmp_path), splits=["dev"])


# SESA --------------------------------------------------------------------

def test_sesa(tmp_path):
    mod = load_recipe("SESA", "sesa_prepare")
    data = sound.make_sesa_layout(str(tmp_path))
    save = str(tmp_path / "sesa")
    m, labels = prepare(mod.prepare_sesa, data, save, ["train", "test"],
                        "SESA", "sound_event")
    assert labels == ["casual", "gunshot", "explosion", "siren"]
    assert sorted(m["train"]) == ["casual_000", "casual_001", "gunshot_000"]
    assert m["test"]["alarm_000"]["target"] == "siren"
    assert m["train"]["gunshot_000"]["labels"] == ["gunshot"]
    assert_skips_rerun(mod.prepare_sesa, data, save)
    sound._clip(os.path.join(data, "test", "thunder_000.wav"))
    with pytest.raises(ValueError, match="thunder_000.wav"):
        mod.prepare_sesa(data, str(tmp_path / "x"))
    assert_refuses(mod.prepare_sesa, tmp_path, "train")


# AudioSet ----------------------------------------------------------------

def test_audioset(tmp_path):
    mod = load_recipe("AudioSet", "audioset_prepare")
    data = sound.make_audioset_layout(str(tmp_path))
    save = str(tmp_path / "as")
    splits = ["balanced_train", "unbalanced_train", "eval"]
    m, labels = prepare(mod.prepare_audioset, data, save, splits,
                        "AudioSet", "sound_event")
    assert labels == ["Speech", "Music", "Accelerating, revving, vroom"]
    bal = m["balanced_train"]
    assert sorted(bal) == ["--PJHxphWEs", "--PJHxphWEs/metadata"]
    assert bal["--PJHxphWEs"]["target"] == "Speech, Music"
    meta = bal["--PJHxphWEs/metadata"]
    assert meta["task"] == "metadata" and meta["prompt"] == (
        "generate metadata")
    assert meta["target"] == "Street band playing in the rain"
    assert meta["wav"] == bal["--PJHxphWEs"]["wav"]
    assert set(m["unbalanced_train"]) == {"-0B_CYyG5Dw", "-0BIyqJj9ZU"}
    assert m["unbalanced_train"]["-0B_CYyG5Dw"]["wav"].endswith(
        "unbalanced_train_segments_part00/Y-0B_CYyG5Dw.wav")
    ev = m["eval"]["--4gqARaEJE"]
    assert ev["labels"] == ["Accelerating, revving, vroom", "Speech"]
    assert ev["target"] == "Accelerating, revving, vroom, Speech"
    assert_skips_rerun(mod.prepare_audioset, data, save)
    # mid -> name from ontology.json when class_labels_indices.csv is absent
    os.remove(os.path.join(data, "metadata", "class_labels_indices.csv"))
    m, labels = prepare(mod.prepare_audioset, data, str(tmp_path / "onto"),
                        ["eval"], "AudioSet", "sound_event",
                        subsets=["eval"])
    assert labels == ["Speech", "Accelerating, revving, vroom"]
    os.remove(os.path.join(data, "metadata", "ontology.json"))
    with pytest.raises(LayoutError, match="ontology.json"):
        mod.prepare_audioset(data, str(tmp_path / "x"))
    assert_refuses(mod.prepare_audioset, tmp_path, "eval_segments.csv")


# CochlScene --------------------------------------------------------------

def test_cochlscene(tmp_path):
    mod = load_recipe("CochlScene", "cochlscene_prepare")
    data = sound.make_cochlscene_layout(str(tmp_path))
    save = str(tmp_path / "cochl")
    m, labels = prepare(mod.prepare_cochlscene, data, save,
                        ["train", "valid", "test"], "CochlScene",
                        "acoustic_scene")
    assert labels == ["bus", "residential area"]
    assert (len(m["train"]), len(m["valid"]), len(m["test"])) == (4, 2, 2)
    item_id = next(i for i in m["test"] if i.startswith("ResidentialArea/"))
    assert m["test"][item_id]["target"] == "residential area"
    assert mod.scene_text("SubwayStation") == "subway station"
    assert mod.scene_text("CrowdedIndoor") == "crowded indoor"
    assert_skips_rerun(mod.prepare_cochlscene, data, save)
    assert_refuses(mod.prepare_cochlscene, tmp_path, "Train")


# FMA ---------------------------------------------------------------------

def test_fma(tmp_path):
    mod = load_recipe("FMA", "fma_prepare")
    data = sound.make_fma_layout(str(tmp_path))
    save = str(tmp_path / "fma")
    m, labels = prepare(mod.prepare_fma, data, save,
                        ["train", "valid", "test"], "FMA", "music_analysis")
    assert labels == ["Hip-Hop", "Pop"]
    # track 140's mp3 is missing, track 20 is not in fma_small
    assert list(m["train"]) == ["000002"]
    assert m["train"]["000002"]["target"] == (
        "this is a sound of music in language English and genre Hip-Hop"
    )
    assert m["train"]["000002"]["wav"].endswith("fma_small/000/000002.mp3")
    assert m["valid"]["000005"]["target"] == (
        "this is a sound of music and genre Hip-Hop"
    )
    assert m["test"]["000010"]["target"] == (
        "this is a sound of music in language Spanish and genre Pop"
    )
    assert_skips_rerun(mod.prepare_fma, data, save)
    with pytest.raises(LayoutError, match="fma_medium"):
        mod.prepare_fma(data, save, size="medium")
    # medium holds the small tracks too; track 20 has no genre_top
    shutil.copytree(os.path.join(data, "fma_small"),
                    os.path.join(data, "fma_medium"))
    sound.write_clip(os.path.join(data, "fma_medium", "000", "000020.mp3"),
                     0.5, 16000, subtype="MPEG_LAYER_III")
    m, labels = prepare(mod.prepare_fma, data, str(tmp_path / "medium"),
                        ["train", "valid", "test"], "FMA", "music_analysis",
                        size="medium")
    assert m["train"]["000020"]["labels"] == ["Experimental Pop",
                                             "Electropop"]
    assert m["train"]["000020"]["target"].endswith(
        "and genre Experimental Pop, Electropop")
    assert_refuses(mod.prepare_fma, tmp_path, "tracks.csv")


# Command line (pengi_sb.prepare.cli) -------------------------------------

def test_cli_options_and_errors(tmp_path, capsys):
    mod = load_recipe("NSynth", "nsynth_prepare")
    data = sound.make_nsynth_layout(str(tmp_path))
    save = str(tmp_path / "cli")
    paths = run_prepare_cli(mod.prepare_nsynth, "NSynth", argv=[
        "--data_folder", data, "--save_folder", save, "--target=pitch",
        "--splits", "['test']"])
    assert list(paths) == ["test"]
    with open(os.path.join(save, "labels.json")) as f:
        assert json.load(f) == ["pitch 50", "pitch 64"]
    assert run_prepare_cli(mod.prepare_nsynth, "NSynth", argv=[
        "--data_folder", "nowhere", "--save_folder", save, "--skip_prep",
        "True"]) == {s: os.path.join(save, f"{s}.json")
                     for s in ("train", "valid", "test")}
    with pytest.raises(SystemExit):
        run_prepare_cli(mod.prepare_nsynth, "NSynth", argv=[
            "--data_folder", data, "--save_folder", save, "--pitch", "3"])
    assert "unknown option(s) ['pitch']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_prepare_cli(mod.prepare_nsynth, "NSynth", argv=[
            "--data_folder", data, "--save_folder", save, "stray"])
    assert parse_options(["--a", "-1", "--b", "x y", "--c"]) == {
        "a": -1, "b": "x y", "c": True}


def test_script_runs_from_command_line(tmp_path):
    data = sound.make_sesa_layout(str(tmp_path))
    save = str(tmp_path / "out")
    env = dict(os.environ, PYTHONPATH=ROOT)
    script = os.path.join(ROOT, "recipes", "SESA", "sesa_prepare.py")
    done = subprocess.run(
        [sys.executable, script, "--data_folder", data, "--save_folder",
         save], env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "test:" in done.stderr
    assert len(read_manifest(os.path.join(save, "test.json"))) == 2
    done = subprocess.run(
        [sys.executable, script, "--data_folder", save, "--save_folder",
         save], env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0 and "LayoutError" in done.stderr


# Releases as users have them: name disagreements, missing audio ----------
# (pengi_sb.prepare.cli's missing-audio threshold and report,
# pengi_sb.prepare.names; the Clotho-AQA copies of tests/layouts/sound.py)

def _clothoaqa(tmp_path, plain_clips=0):
    mod = load_recipe("ClothoAQA", "clothoaqa_prepare")
    data = sound.make_clothoaqa_release_layout(str(tmp_path), plain_clips)
    return mod.prepare_clothoaqa, data


def _prepared(fn, data, save, **options):
    """``{split: {id: item}}`` of a Clotho-AQA run (open answers: its
    labels.json is empty, so not :func:`prepare`)."""
    paths = fn(data, save, **options)
    assert sorted(paths) == ["test", "train", "valid"]
    items = {s: read_manifest(p, data_root=data) for s, p in paths.items()}
    for split, split_items in items.items():
        for item in split_items.values():
            assert os.path.isfile(item["wav"]) and item["split"] == split
            assert item["dataset"] == "ClothoAQA"
            assert item["task"] == "audio_qa"
    return items


def _report(save):
    with open(os.path.join(save, REPORT_FILE), encoding="utf-8") as f:
        return json.load(f)


def test_clothoaqa_release_name_disagreements(tmp_path, caplog):
    """The question CSV's souffle_me_tallique.wav is the archive's
    souffle_me.tallique.wav; the metadata CSV's Geese1 - (Apollonia&#39;s
    sPA) 18_44 05.10.wav is the archive's Geese1 - (Apollonia's sPA)
    18.44 05.10.wav: both clips are prepared, strictly too."""
    fn, data = _clothoaqa(tmp_path)
    save = str(tmp_path / "aqa")
    with caplog.at_level("INFO"):
        m = _prepared(fn, data, save, max_missing_fraction=0)
    souffle = m["train"]["souffle_me_tallique_q1_a1"]
    assert souffle["wav"] == os.path.join(data, "audio_files",
                                          sound.CLOTHOAQA_SOUFFLE)
    assert souffle["file_name"] == sound.CLOTHOAQA_SOUFFLE_QA
    assert len(m["train"]) == 3
    geese = m["test"][os.path.splitext(sound.CLOTHOAQA_GEESE)[0] + "_q1"]
    assert geese["wav"].endswith(sound.CLOTHOAQA_GEESE)
    assert geese["answers"] == ["yes", "yes", "no"]
    # the variant match is logged and reported; nothing is left out
    assert sound.CLOTHOAQA_SOUFFLE_QA in caplog.text
    report = _report(save)
    assert report["skipped"] == []
    assert [(v["listed"], v["found"]) for v in report[
        "matched_by_variant"]] == [(sound.CLOTHOAQA_SOUFFLE_QA,
                                    sound.CLOTHOAQA_SOUFFLE)]
    # every name of the metadata CSV resolves to one archived file
    matcher = FileNameMatcher(os.path.join(data, "audio_files"),
                              fold_case=True)
    with open(os.path.join(data, "clotho_aqa_metadata.csv"),
              encoding="utf-8") as f:
        names = [row["file_name"] for row in csv.DictReader(f)]
    assert sound.CLOTHOAQA_GEESE_METADATA in names
    found = {n: os.path.basename(matcher.find(n)) for n in names}
    assert found[sound.CLOTHOAQA_GEESE_METADATA] == sound.CLOTHOAQA_GEESE
    assert sorted(found.values()) == sorted(
        os.listdir(os.path.join(data, "audio_files")))
    # two archived spellings of one listed name: no guess, left out
    fn, data = _clothoaqa(tmp_path / "two", plain_clips=2)
    sound._clip(os.path.join(data, "audio_files", "souffle_me_tallique.WAV"))
    fn(data, str(tmp_path / "two" / "aqa"), max_missing_fraction=0.5)
    report = _report(str(tmp_path / "two" / "aqa"))
    assert {e["id"] for e in report["skipped"]} == {
        f"souffle_me_tallique_q1_a{j}" for j in (1, 2, 3)}
    assert "only loosely" in report["skipped"][0]["detail"]


def test_missing_audio_is_skipped_and_reported(tmp_path, caplog):
    """Two of 93 clips missing (one of train's 31, one of test's): prepared
    without them, logged, every left-out item in prepare_report.json."""
    fn, data = _clothoaqa(tmp_path, plain_clips=30)
    gone = [sound.clothoaqa_plain_name("train", 7),
            sound.clothoaqa_plain_name("test", 3)]
    for name in gone:
        os.remove(os.path.join(data, "audio_files", name))
    save = str(tmp_path / "aqa")
    with caplog.at_level("INFO"):
        m = _prepared(fn, data, save)
    assert len(m["train"]) == 30 * 3 and len(m["test"]) == 30
    assert "Train clip 07_q1_a1" not in m["train"]
    assert "Test clip 03_q1" not in m["test"]
    assert "4 item(s) left out, their audio missing" in caplog.text
    assert gone[0] in caplog.text and REPORT_FILE in caplog.text
    report = _report(save)
    assert report["dataset"] == "ClothoAQA"
    assert report["max_missing_fraction"] == 0.05
    assert sorted((e["split"], e["id"], e["reason"])
                  for e in report["skipped"]) == [
        ("test", "Test clip 03_q1", "missing"),
        *[("train", f"Train clip 07_q1_a{j}", "missing") for j in (1, 2, 3)],
    ]
    assert all(os.path.basename(e["path"]) in gone
               for e in report["skipped"])
    assert report["splits"]["train"] == {
        "listed": 93, "kept": 90, "missing": 3, "missing_fraction": 3 / 93}
    assert report["splits"]["valid"]["missing"] == 0
    assert_skips_rerun(fn, data, save)
    # strict: any missing file fails (the option, and on the command line)
    with pytest.raises(MissingAudioError, match="max_missing_fraction=0 "):
        fn(data, str(tmp_path / "strict"), max_missing_fraction=0)
    with pytest.raises(MissingAudioError):
        run_prepare_cli(fn, "ClothoAQA", argv=[
            "--data_folder", data, "--save_folder", str(tmp_path / "cli"),
            "--max_missing_fraction", "0"])
    with pytest.raises(ValueError, match="from 0 to 1"):
        fn(data, str(tmp_path / "x"), max_missing_fraction=5)


def test_most_audio_missing_fails_clearly(tmp_path):
    """A release whose audio archive is mostly not there: the error names
    the dataset, the share, the threshold, the report and the option."""
    fn, data = _clothoaqa(tmp_path, plain_clips=10)
    for k in range(1, 9):
        os.remove(os.path.join(data, "audio_files",
                               sound.clothoaqa_plain_name("train", k)))
    save = str(tmp_path / "aqa")
    with pytest.raises(MissingAudioError) as err:
        fn(data, save)
    message = str(err.value)
    report = os.path.join(save, REPORT_FILE)
    for part in ("ClothoAQA", "'train' 24 of 33 (72.7%)",
                 "max_missing_fraction=0.05 (5%)", report,
                 "zenodo.org/record/6473207", "--max_missing_fraction 0.73",
                 "max_missing_fraction: 0.73"):
        assert part in message, part
    assert "'test'" not in message  # within the threshold
    assert len(_report(save)["skipped"]) == 24
    assert not os.path.exists(os.path.join(save, "train.json"))
    # the threshold the message suggests lets it through
    paths = fn(data, save, max_missing_fraction=0.73)
    assert len(read_manifest(paths["train"])) == 9


def test_clotho_names_spelled_differently(tmp_path):
    """Clotho's caption CSVs name files the audio copy spells otherwise
    ('.' for '_', letter case): matched, logged in the report."""
    from layouts import speech_text

    data = speech_text.make_clotho_layout(str(tmp_path / "clotho"))
    renamed = {("clotho_audio_development", "dog_bark_01.wav"):
               "dog_bark.01.wav",
               ("clotho_audio_evaluation", "Train horn.wav"):
               "train horn.wav"}
    for (folder, name), new in renamed.items():
        os.rename(os.path.join(data, folder, name),
                  os.path.join(data, folder, new))
    fn = load_recipe("Clotho", "clotho_prepare").prepare_clotho
    save = str(tmp_path / "save")
    paths = fn(data, save, max_missing_fraction=0)
    train = read_manifest(paths["train"], data_root=data)
    assert train["dog_bark_01_1"]["wav"].endswith("dog_bark.01.wav")
    test = read_manifest(paths["test"], data_root=data)
    assert test["Train horn"]["wav"].endswith("train horn.wav")
    assert sorted((v["listed"], v["found"]) for v in _report(save)[
        "matched_by_variant"]) == [("Train horn.wav", "train horn.wav"),
                                   ("dog_bark_01.wav", "dog_bark.01.wav")]


def test_every_prepare_function_takes_max_missing_fraction():
    """The missing-audio error tells users to set max_missing_fraction on
    the prepare script's command line or under the yaml's prepare: every
    prepare function whose items can miss audio takes it (and passes it
    on to run_preparation)."""
    import glob
    import inspect
    import re

    checked = []
    for script in sorted(glob.glob(os.path.join(ROOT, "recipes", "*",
                                                "*_prepare.py"))):
        with open(script, encoding="utf-8") as f:
            source = f.read()
        if ("run_preparation(" not in source
                and "prepare_cmu_sentiment(" not in source):
            continue  # LocalSounds: its own flow, it lists no files
        folder, name = script.split(os.sep)[-2:]
        cli_fn = re.search(r"run_prepare_cli\(\s*(\w+)", source).group(1)
        fn = getattr(load_recipe(folder, name[:-3]), cli_fn)
        assert "max_missing_fraction" in inspect.signature(
            fn).parameters, script
        assert "max_missing_fraction=max_missing_fraction" in source, script
        checked.append(folder)
    assert len(checked) == 28 and "LocalSounds" not in checked
