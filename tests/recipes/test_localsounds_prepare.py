"""Tests of recipes/LocalSounds/localsounds_prepare.py.

The corpus tests build LocalSounds from the Debian packages that
``recipes/LocalSounds/install_sources.sh`` installs, and are skipped (with
that hint) where they are absent. The other tests need no package.

Authors
 * pengi-sb developers 2026
"""

import collections
import gzip
import hashlib
import importlib.util
import json
import os
import struct
import subprocess
import sys

import pytest
import soundfile
from audio_fixtures import write_clip

from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.layout import LayoutError
from pengi_sb.tasks import make_example

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RECIPE = os.path.join(ROOT, "recipes", "LocalSounds")
SCRIPT = os.path.join(RECIPE, "install_sources.sh")


def _load():
    if "localsounds_prepare" in sys.modules:
        return sys.modules["localsounds_prepare"]
    spec = importlib.util.spec_from_file_location(
        "localsounds_prepare", os.path.join(RECIPE, "localsounds_prepare.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["localsounds_prepare"] = module
    spec.loader.exec_module(module)
    return module


ls = _load()


def _installed():
    paths = ls._paths(None, None)
    try:
        ls.check_sources(ls.SOURCES, list(ls.LANGUAGE_NAMES), paths,
                         ls.FLUIDSYNTH)
    except LayoutError:
        return False
    return True


needs_sources = pytest.mark.skipif(
    not _installed(),
    reason="LocalSounds Debian sources not installed "
    "(sudo bash recipes/LocalSounds/install_sources.sh)",
)

SMALL = {"speech_per_language": 6, "programs_per_family": 2,
         "pitches_per_program": 4, "drum_hits": 24, "max_samples": 20,
         "max_events": 10}


def _manifests(save_folder, data_folder):
    return {s: read_manifest(os.path.join(save_folder, f"{s}.json"),
                             data_root=data_folder) for s in ls.SPLITS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The default corpus, as the training recipe builds it."""
    base = tmp_path_factory.mktemp("localsounds")
    data, save = str(base / "data"), str(base / "save")
    ls.prepare_localsounds(data, save)
    return data, save, _manifests(save, data)


# ------------------------------------------------------------- the corpus --
@needs_sources
def test_counts_per_task_and_split(corpus):
    _, _, splits = corpus
    clips = {s: {i["clip"]: i["source"] for i in m.values()}
             for s, m in splits.items()}
    total = sum(len(c) for c in clips.values())
    assert 1200 <= total <= 1800
    per_source = collections.Counter(
        src for c in clips.values() for src in c.values())
    # 8 families x 4 programs x 12 pitches x 2 velocities; 80 per language
    assert per_source["notes"] == 768
    assert per_source["speech"] == 400
    assert 100 <= per_source["drums"] <= 160
    assert per_source["samples"] > 100 and per_source["events"] > 20
    # held out: 2 pitches of each program for test, 1 for valid
    notes = {s: sum(v == "notes" for v in c.values())
             for s, c in clips.items()}
    assert notes == {"train": 576, "valid": 64, "test": 128}
    speech = {s: sum(v == "speech" for v in c.values())
              for s, c in clips.items()}
    assert speech == {"train": 280, "valid": 40, "test": 80}
    tasks = {s: collections.Counter(i["task"] for i in m.values())
             for s, m in splits.items()}
    for split in ls.SPLITS:
        # every clip is captioned; notes and speech have their own task
        assert tasks[split]["captioning"] == len(clips[split])
        assert tasks[split]["music_note"] == notes[split]
        assert tasks[split]["spoken_language"] == speech[split]
        assert tasks[split]["audio_qa"] > 0
    assert tasks["train"]["sound_event"] > 200
    assert tasks["test"]["sound_event"] == 0
    for split, manifest in splits.items():
        for item_id, item in manifest.items():
            assert item["split"] == split and item["dataset"] == "LocalSounds"
            if split == "test":
                assert item["eval_task"] in ls.EVAL_TASKS, item_id


@needs_sources
def test_close_ended_labels_are_balanced(corpus):
    _, save, splits = corpus
    test = splits["test"]
    family = collections.Counter(
        i["labels"][0] for i in test.values()
        if i["eval_task"] == "instrument_family")
    assert set(family) == set(ls.INSTRUMENT_FAMILIES)
    assert set(family.values()) == {16}
    language = collections.Counter(
        i["labels"][0] for i in test.values() if i["eval_task"] == "language")
    assert language == dict.fromkeys(ls.LANGUAGE_NAMES.values(), 16)
    for task in ("instrument_family", "language", "aqa_yes_no"):
        with open(os.path.join(save, f"labels_{task}.json")) as f:
            candidates = json.load(f)
        used = {i["labels"][0] for i in test.values()
                if i["eval_task"] == task}
        assert used == set(candidates)
        # text matching can tell every candidate apart
        for a in candidates:
            assert not any(a != b and a in b for b in candidates), a


@needs_sources
def test_yes_no_questions_are_balanced(corpus):
    _, _, splits = corpus
    for split, manifest in splits.items():
        answers = collections.defaultdict(collections.Counter)
        for item in manifest.values():
            if item["task"] != "audio_qa":
                continue
            assert item["answer_type"] == "yes_no"
            assert item["eval_task"] == "aqa_yes_no"
            assert item["labels"] == [item["target"]]
            answers[item["prompt"]][item["target"]] += 1
        assert "question: is someone speaking?" in answers
        assert "question: is this a piano?" in answers
        assert "question: is this a drum?" in answers
        for question, count in answers.items():
            assert count["yes"] == count["no"] > 0, (split, question)


@needs_sources
def test_no_clip_or_recording_leaks_across_splits(corpus):
    data, _, splits = corpus
    split_of_clip, split_of_group, digest_split = {}, {}, {}
    for split, manifest in splits.items():
        for item in manifest.values():
            for key, table in ((item["clip"], split_of_clip),
                               (item["group"], split_of_group)):
                assert table.setdefault(key, split) == split, key
            if item["source"] == "notes":
                combo = (item["program"], item["pitch"])
                assert split_of_group.setdefault(combo, split) == split
            if item["source"] == "speech":
                recording = (item["voice"], item["text"])
                assert split_of_group.setdefault(recording, split) == split
    # the audio itself: no test clip has the samples of a training clip
    for split, manifest in splits.items():
        for wav in {i["wav"] for i in manifest.values()}:
            with open(wav, "rb") as f:
                digest = hashlib.md5(f.read()).hexdigest()
            assert digest_split.setdefault(digest, split) == split, wav
    assert len(digest_split) == len(split_of_clip)


@needs_sources
def test_audio_is_mono_at_the_sample_rate(corpus):
    data, _, splits = corpus
    seen = {}
    for manifest in splits.values():
        for item in manifest.values():
            seen[item["wav"]] = item["duration"]
    for wav, duration in seen.items():
        assert wav.startswith(data)
        info = soundfile.info(wav)
        assert info.samplerate == 16000 and info.channels == 1, wav
        assert info.subtype == "PCM_16"
        assert 0.5 <= info.frames / 16000 <= 4.0
        assert abs(info.frames / 16000 - duration) < 1e-6


@needs_sources
def test_items_follow_their_templates(corpus):
    _, save, splits = corpus
    assert os.path.isfile(os.path.join(save, "templates.yaml"))
    for item in splits["test"].values():
        task = item["task"]
        if task == "music_note":
            expected = make_example(task, instrument=item["family"],
                                    pitch=item["pitch"],
                                    velocity=item["velocity"])
        elif task == "spoken_language":
            expected = make_example(task, language=item["language"])
            assert expected[0] == "this language is"
        elif task == "audio_qa":
            expected = make_example(task, question=item["prompt"][10:],
                                    answer=item["target"])
        else:
            expected = make_example(task, caption=item["target"])
            assert item["references"][0] == item["target"]
            assert len(set(item["references"])) == 3
        assert (item["prompt"], item["target"]) == expected
    captions = {i["target"] for i in splits["test"].values()
                if i["task"] == "captioning"}
    assert any(c.startswith("a ") and " note at a " in c for c in captions)
    assert any(c.endswith("speaking french") for c in captions)
    assert "a man speaking italian" in captions


# --------------------------------------------------- small builds, options --
@needs_sources
def test_rerun_is_skipped_and_options_rebuild(tmp_path):
    data, save = str(tmp_path / "d"), str(tmp_path / "s")
    first = ls.prepare_localsounds(data, save, **SMALL)
    stamp = os.path.getmtime(first["train"])
    again = ls.prepare_localsounds(data, save, **SMALL)
    assert again == first and os.path.getmtime(first["train"]) == stamp
    with open(first["test"]) as f:
        old = json.load(f)
    ls.prepare_localsounds(data, save, **{**SMALL, "seed": 7})
    with open(first["test"]) as f:
        assert json.load(f) != old
    fresh = str(tmp_path / "unused")
    out = ls.prepare_localsounds(fresh, fresh, skip_prep=True)
    assert out["test"] == os.path.join(fresh, "test.json")
    assert not os.path.exists(fresh)


@needs_sources
def test_same_seed_same_corpus_and_source_subsets(tmp_path):
    one = ls.prepare_localsounds(str(tmp_path / "d1"), str(tmp_path / "s1"),
                                 **SMALL)
    two = ls.prepare_localsounds(str(tmp_path / "d2"), str(tmp_path / "s2"),
                                 **SMALL)
    for split in ls.SPLITS:
        with open(one[split]) as a, open(two[split]) as b:
            assert json.load(a) == json.load(b)
    only = ls.prepare_localsounds(str(tmp_path / "d3"), str(tmp_path / "s3"),
                                  sources=["events"], max_events=10)
    items = read_manifest(only["train"])
    assert {i["source"] for i in items.values()} == {"events"}
    assert sorted(os.listdir(tmp_path / "s3")) == [
        "labels_aqa_yes_no.json", "prepare_opts.json", "templates.yaml",
        "test.json", "train.json", "valid.json"]


# ------------------------------------------------------ missing sources ----
def test_missing_sources_name_packages_and_script(tmp_path, monkeypatch):
    monkeypatch.setattr(ls, "SOURCE_ROOT", str(tmp_path))
    monkeypatch.setattr(ls, "FLUIDSYNTH", "no-such-fluidsynth-program")
    with pytest.raises(LayoutError) as err:
        ls.prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"))
    message = str(err.value)
    for needed in ("package fluidsynth", "timgm6mb-soundfont",
                   "asterisk-core-sounds-fr-wav", "asterisk-core-sounds-ru)",
                   "hydrogen-drumkits", "sonic-pi-samples",
                   "sound-theme-freedesktop", "install_sources.sh"):
        assert needed in message
    assert not os.path.exists(tmp_path / "s" / "train.json")
    with pytest.raises(LayoutError) as err:
        ls.prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                               sources=["samples"])
    assert "sonic-pi-samples" in str(err.value)
    assert "fluidsynth" not in str(err.value)
    with pytest.raises(ValueError, match="unknown LocalSounds source"):
        ls.prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                               sources=["birdsong"])
    with pytest.raises(ValueError, match="unknown language"):
        ls.prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                               sources=["speech"], languages=["de"])


# ------------------------------------------------------ building blocks ----
def test_words_and_drum_classes():
    assert [ls.pitch_word(p) for p in (28, 47, 48, 71, 72)] == [
        "low", "low", "mid", "mid", "high"]
    assert [ls.velocity_word(v) for v in (50, 80, 115)] == [
        "soft", "medium", "loud"]
    names = {
        "Kick Stomp": "kick drum", "c3 - bass drum 1": "kick drum",
        "Djembe1 Bass": "hand drum", "Snare Rimshot": "snare drum",
        "Closed HH": "hi-hat", "Sabian Hat Open": "hi-hat",
        "Crash/Ride Bell (Paiste Rude Crash/Ride 18\")": "cymbal",
        "tomhi2": "tom", "Floor Tom": "tom", "Hand Clap": "hand clap",
        "Cowbell": "cowbell", "Stick": None, "Maraca": None,
        "Sample: beats_01-39.flac": None,
    }
    for name, label in names.items():
        assert ls.drum_class(name) == label, name


def test_read_drumkit_both_formats(tmp_path):
    kit = tmp_path / "Kit"
    for name in ("k-soft.wav", "k-hard.wav", "hat.flac"):
        write_clip(str(kit / name), 0.2, 44100)
    (kit / "drumkit.xml").write_text(
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
        "<name>Kit</name><license>CC0</license><instrumentList>"
        "<instrument><name>Kick</name><instrumentComponent>"
        "<layer><filename>k-hard.wav</filename><min>0.5</min><max>1</max>"
        "</layer><layer><filename>k-soft.wav</filename><min>0</min>"
        "<max>0.5</max></layer></instrumentComponent></instrument>"
        "<instrument><name>Hat</name><filename>hat.flac</filename>"
        "</instrument><instrument><name>Gone</name>"
        "<filename>missing.wav</filename></instrument>"
        "</instrumentList></drumkit_info>")
    read = ls.read_drumkit(str(kit / "drumkit.xml"))
    assert read["name"] == "Kit" and read["license"] == "CC0"
    assert [n for n, _ in read["instruments"]] == ["Kick", "Hat"]
    kick = read["instruments"][0][1]
    assert [os.path.basename(p) for p, _, _ in kick] == [
        "k-soft.wav", "k-hard.wav"]


def test_read_transcripts_drops_ambiguous_names(tmp_path):
    path = tmp_path / "core-sounds-xx.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("; Core sounds\n\nhello: Bonjour à tous.\n"
                "digits/0: zéro\ndigits/0: dix\nbeep: [a beep]\n")
    texts = ls.read_transcripts(str(path))
    assert texts == {"hello": "Bonjour à tous.", "beep": "[a beep]"}
    assert ls._spoken_words("[tentativo di] Parcheggio (beep) fallito") == [
        "Parcheggio", "fallito"]


def test_note_midi_file(tmp_path):
    path = str(tmp_path / "n.mid")
    ls.write_note_midi([(0, 60, 100), (40, 48, 50)], path, 2.0)
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    length = struct.unpack(">I", data[18:22])[0]
    assert len(data) == 22 + length and data.endswith(b"\xff\x2f\x00")
    assert bytes((0xC0, 40)) in data and bytes((0x90, 48, 50)) in data
    assert ls._vlq(0) == b"\x00" and ls._vlq(1919) == b"\x8e\x7f"


def test_split_groups_is_disjoint_and_stratified():
    import random

    strata = {"a": [f"a{i}" for i in range(20)], "b": ["b0", "b1", "b2"],
              "c": ["c0"]}
    splits = ls._split_groups(strata, random.Random(0), 0.1, 0.2)
    assert set(splits) == {g for gs in strata.values() for g in gs}
    count = collections.Counter((g[0], s) for g, s in splits.items())
    assert (count["a", "test"], count["a", "valid"]) == (4, 2)
    assert count["b", "test"] == count["b", "valid"] == count["b", "train"]
    assert splits["c0"] == "train"


def test_templates_file_is_registered_once():
    assert ls.register_localsounds_templates() == ["spoken_language"]
    assert make_example("spoken_language", language="russian") == (
        "this language is", "russian")


def test_install_script_options():
    assert subprocess.run(["bash", "-n", SCRIPT]).returncode == 0
    bad = subprocess.run(["bash", SCRIPT, "--bogus"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "unknown option" in bad.stderr
    shown = subprocess.run(["bash", SCRIPT, "--help"], capture_output=True,
                           text=True)
    assert shown.returncode == 0 and "--small" in shown.stdout
