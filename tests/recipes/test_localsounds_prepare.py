"""Tests of the LocalSounds preparation: the package
``pengi_sb.prepare.localsounds`` (one module per source kind) and its
command line ``recipes/LocalSounds/localsounds_prepare.py``.

The corpus tests build LocalSounds from the Debian packages that
``recipes/LocalSounds/install_sources.sh`` installs, and are skipped (with
that hint) where they are absent. The other tests need no package: the
recorded sources are built from a small copy of the packages' files.

Authors
 * pengi-sb developers 2026
"""

import collections
import gzip
import hashlib
import importlib.util
import json
import os
import random
import struct
import subprocess
import sys

import numpy as np
import pytest
import soundfile
from audio_fixtures import write_clip

from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.localsounds import (
    EVAL_TASKS,
    SOURCES,
    SPLITS,
    Clip,
    register_localsounds_templates,
)
from pengi_sb.prepare.localsounds.audio import convert_clip, write_recorded
from pengi_sb.prepare.localsounds.drums import (
    drum_class,
    drum_clip,
    read_drumkit,
)
from pengi_sb.prepare.localsounds.fingerprint import fingerprint, take_unique
from pengi_sb.prepare.localsounds.manifest import build_items, eval_labels
from pengi_sb.prepare.localsounds.notes import (
    INSTRUMENT_FAMILIES,
    collect_notes,
    note_clip,
    pitch_word,
    velocity_word,
    vlq,
    write_note_midi,
)
from pengi_sb.prepare.localsounds.questions import aqa_questions, balanced_aqa
from pengi_sb.prepare.localsounds.samples import sample_entry
from pengi_sb.prepare.localsounds.sources import (
    FLUIDSYNTH,
    check_sources,
    source_paths,
)
from pengi_sb.prepare.localsounds.speech import (
    LANGUAGE_NAMES,
    read_transcripts,
    speech_clip,
    spoken_words,
)
from pengi_sb.prepare.localsounds.split import assign_splits, split_groups
from pengi_sb.tasks import make_example

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RECIPE = os.path.join(ROOT, "recipes", "LocalSounds")
SCRIPT = os.path.join(RECIPE, "install_sources.sh")
ENTRY = os.path.join(RECIPE, "localsounds_prepare.py")


def _load_entry():
    """The recipe's prepare script, imported as a module (as evaluate_heldout
    and SpeechBrain train scripts import their sibling prepare script)."""
    if "localsounds_prepare" in sys.modules:
        return sys.modules["localsounds_prepare"]
    spec = importlib.util.spec_from_file_location("localsounds_prepare",
                                                  ENTRY)
    module = importlib.util.module_from_spec(spec)
    sys.modules["localsounds_prepare"] = module
    spec.loader.exec_module(module)
    return module


prepare_localsounds = _load_entry().prepare_localsounds


def _installed():
    try:
        check_sources(SOURCES, list(LANGUAGE_NAMES), source_paths(),
                      FLUIDSYNTH)
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
                             data_root=data_folder) for s in SPLITS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The default corpus, as the training recipe builds it."""
    base = tmp_path_factory.mktemp("localsounds")
    data, save = str(base / "data"), str(base / "save")
    prepare_localsounds(data, save)
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
    for split in SPLITS:
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
                assert item["eval_task"] in EVAL_TASKS, item_id


@needs_sources
def test_close_ended_labels_are_balanced(corpus):
    _, save, splits = corpus
    test = splits["test"]
    family = collections.Counter(
        i["labels"][0] for i in test.values()
        if i["eval_task"] == "instrument_family")
    assert set(family) == set(INSTRUMENT_FAMILIES)
    assert set(family.values()) == {16}
    language = collections.Counter(
        i["labels"][0] for i in test.values() if i["eval_task"] == "language")
    assert language == dict.fromkeys(LANGUAGE_NAMES.values(), 16)
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
def test_test_notes_and_drums_come_from_sources_never_trained_on(corpus):
    """Held out by recording source: the test notes are rendered with a
    soundfont that renders no training or validation note (pitch-shifting
    a training note cannot make one of them), and the test drum hits come
    from kits training never hears."""
    _, _, splits = corpus
    fonts = {s: {i["soundfont"] for i in m.values() if i["source"] == "notes"}
             for s, m in splits.items()}
    assert fonts["test"] == {"TimGM6mb"}
    assert fonts["train"] == fonts["valid"] == {"FluidR3_GM",
                                                "MuseScore_General"}
    kits = {s: {i["kit"] for i in m.values() if i["source"] == "drums"}
            for s, m in splits.items()}
    assert kits["test"] and not kits["test"] & (kits["train"] | kits["valid"])
    assert not kits["valid"] & kits["train"]
    # every program is heard from both training soundfonts
    per_program = collections.defaultdict(set)
    for item in splits["train"].values():
        if item["source"] == "notes":
            per_program[item["program"]].add(item["soundfont"])
    assert all(len(f) == 2 for f in per_program.values())


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
    first = prepare_localsounds(data, save, **SMALL)
    stamp = os.path.getmtime(first["train"])
    again = prepare_localsounds(data, save, **SMALL)
    assert again == first and os.path.getmtime(first["train"]) == stamp
    with open(first["test"]) as f:
        old = json.load(f)
    prepare_localsounds(data, save, **{**SMALL, "seed": 7})
    with open(first["test"]) as f:
        assert json.load(f) != old
    fresh = str(tmp_path / "unused")
    out = prepare_localsounds(fresh, fresh, skip_prep=True)
    assert out["test"] == os.path.join(fresh, "test.json")
    assert not os.path.exists(fresh)


@needs_sources
def test_same_seed_same_corpus_and_source_subsets(tmp_path):
    one = prepare_localsounds(str(tmp_path / "d1"), str(tmp_path / "s1"),
                              **SMALL)
    two = prepare_localsounds(str(tmp_path / "d2"), str(tmp_path / "s2"),
                              **SMALL)
    for split in SPLITS:
        with open(one[split]) as a, open(two[split]) as b:
            assert json.load(a) == json.load(b)
    only = prepare_localsounds(str(tmp_path / "d3"), str(tmp_path / "s3"),
                               sources=["events"], max_events=10)
    items = read_manifest(only["train"])
    assert {i["source"] for i in items.values()} == {"events"}
    assert sorted(os.listdir(tmp_path / "s3")) == [
        "labels_aqa_yes_no.json", "prepare_opts.json", "templates.yaml",
        "test.json", "train.json", "valid.json"]


# ------------------------------------------------------ missing sources ----
def test_missing_sources_name_packages_and_script(tmp_path):
    bare = {"source_root": str(tmp_path),
            "fluidsynth": "no-such-fluidsynth-program"}
    with pytest.raises(LayoutError) as err:
        prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"), **bare)
    message = str(err.value)
    for needed in ("package fluidsynth", "timgm6mb-soundfont",
                   "fluid-soundfont-gm", "musescore-general-soundfont-small",
                   "asterisk-core-sounds-fr-wav", "asterisk-core-sounds-ru)",
                   "hydrogen-drumkits", "sonic-pi-samples",
                   "sound-theme-freedesktop", "install_sources.sh"):
        assert needed in message
    assert not os.path.exists(tmp_path / "s" / "train.json")
    with pytest.raises(LayoutError) as err:
        prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                            sources=["samples"], **bare)
    assert "sonic-pi-samples" in str(err.value)
    assert "fluidsynth" not in str(err.value)
    with pytest.raises(ValueError, match="unknown LocalSounds source"):
        prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                            sources=["birdsong"], **bare)
    with pytest.raises(ValueError, match="unknown language"):
        prepare_localsounds(str(tmp_path / "d"), str(tmp_path / "s"),
                            sources=["speech"], languages=["de"], **bare)
    with pytest.raises(ValueError, match="heard in no other split"):
        prepare_localsounds(
            str(tmp_path / "d"), str(tmp_path / "s"), sources=["notes"],
            soundfonts={"train": ["TimGM6mb"], "valid": ["TimGM6mb"],
                        "test": ["/x/TimGM6mb.sf2"]}, **bare)
    with pytest.raises(ValueError, match="unknown soundfont 'Nope'"):
        prepare_localsounds(
            str(tmp_path / "d"), str(tmp_path / "s"), sources=["notes"],
            soundfonts={"train": ["Nope"], "valid": ["TimGM6mb"],
                        "test": ["FluidR3_GM"]}, **bare)


# ------------------------------------------------------ building blocks ----
def test_words_and_drum_classes():
    assert [pitch_word(p) for p in (28, 47, 48, 71, 72)] == [
        "low", "low", "mid", "mid", "high"]
    assert [velocity_word(v) for v in (50, 80, 115)] == [
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
        assert drum_class(name) == label, name


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
    read = read_drumkit(str(kit / "drumkit.xml"))
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
    texts = read_transcripts(str(path))
    assert texts == {"hello": "Bonjour à tous.", "beep": "[a beep]"}
    assert spoken_words("[tentativo di] Parcheggio (beep) fallito") == [
        "Parcheggio", "fallito"]


def test_note_midi_file(tmp_path):
    path = str(tmp_path / "n.mid")
    write_note_midi([(0, 60, 100), (40, 48, 50)], path, 2.0)
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    length = struct.unpack(">I", data[18:22])[0]
    assert len(data) == 22 + length and data.endswith(b"\xff\x2f\x00")
    assert bytes((0xC0, 40)) in data and bytes((0x90, 48, 50)) in data
    assert vlq(0) == b"\x00" and vlq(1919) == b"\x8e\x7f"


def test_split_groups_is_disjoint_and_stratified():
    strata = {"a": [f"a{i}" for i in range(20)], "b": ["b0", "b1", "b2"],
              "c": ["c0"]}
    splits = split_groups(strata, random.Random(0), 0.1, 0.2)
    assert set(splits) == {g for gs in strata.values() for g in gs}
    count = collections.Counter((g[0], s) for g, s in splits.items())
    assert (count["a", "test"], count["a", "valid"]) == (4, 2)
    assert count["b", "test"] == count["b", "valid"] == count["b", "train"]
    assert splits["c0"] == "train"


def test_templates_file_is_registered_once():
    assert register_localsounds_templates() == ["spoken_language"]
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


# --------------------------------------------------- the split-out modules --
def test_convert_clip_resamples_pads_and_skips_bad_files(tmp_path):
    opts = {"sample_rate": 16000, "max_seconds": 4.0, "min_seconds": 0.5}
    src = write_clip(str(tmp_path / "in.wav"), 0.2, 44100, channels=2)
    dst = str(tmp_path / "out" / "clip.wav")
    assert convert_clip(src, dst, opts) == 0.5
    info = soundfile.info(dst)
    assert (info.samplerate, info.channels, info.subtype) == (
        16000, 1, "PCM_16")
    silent = str(tmp_path / "silent.wav")
    soundfile.write(silent, np.zeros(8000, np.float32), 16000)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    for bad in (silent, str(broken)):
        assert convert_clip(bad, str(tmp_path / "no.wav"), opts) is None
    assert not os.path.exists(tmp_path / "no.wav")
    clips = [Clip("a", "events", "a", "event", "c", ["c"], {},
                  fields={"path": p}) for p in (src, silent)]
    kept = write_recorded(clips, {**opts, "data_folder": str(tmp_path)})
    assert [c.clip_id for c in kept] == ["a"] and kept[0].duration == 0.5
    assert os.path.isfile(tmp_path / "events" / "a.wav")


def test_fingerprint_finds_copies_and_take_unique_limits(tmp_path):
    paths = [write_clip(str(tmp_path / f"{i}.wav"), 0.6, seed=i)
             for i in range(4)]
    # the same recording after more leading silence (0.05 s of it is kept)
    sound = soundfile.read(paths[0], dtype="float32")[0]
    soundfile.write(paths[0], np.r_[np.zeros(1600, np.float32), sound],
                    16000)
    soundfile.write(str(tmp_path / "copy.wav"),
                    np.r_[np.zeros(16000, np.float32), sound], 16000)
    assert fingerprint(str(tmp_path / "copy.wav")) == fingerprint(paths[0])
    assert fingerprint(paths[1]) != fingerprint(paths[0])
    (tmp_path / "bad.wav").write_text("x")
    assert fingerprint(str(tmp_path / "bad.wav")) is None
    names = [*paths, str(tmp_path / "copy.wav"), str(tmp_path / "bad.wav")]
    kept = take_unique(names, lambda p: [p], None, random.Random(0))
    assert kept == paths
    two = take_unique(names, lambda p: [p], 2, random.Random(0))
    assert len(two) == 2 and set(two) <= set(names[:5])


def test_assign_splits_keeps_groups_together():
    clips = [Clip(f"c{g}_{v}", "notes", f"g{g}", "s", "c", ["c"], {})
             for g in range(10) for v in range(3)]
    assign_splits(clips, random.Random(1),
                  {"valid_fraction": 0.1, "test_fraction": 0.2})
    of_group = collections.defaultdict(set)
    for clip in clips:
        of_group[clip.group].add(clip.split)
    assert all(len(s) == 1 for s in of_group.values())
    assert collections.Counter(s.pop() for s in of_group.values()) == {
        "train": 7, "test": 2, "valid": 1}


def test_collect_notes_plans_held_out_pitches():
    opts = {"programs_per_family": 2, "pitches_per_program": 5,
            "velocities": [50, 115], "valid_fraction": 0.2,
            "test_fraction": 0.2,
            "soundfonts": {"train": ["A", "B"], "valid": ["A", "B"],
                           "test": ["C"]}}
    clips = collect_notes(opts, random.Random(3))
    assert len(clips) == 8 * 2 * 5 * 2
    assert len({c.clip_id for c in clips}) == len(clips)
    for clip in clips:
        assert clip.clip_id.endswith("_" + clip.fields["soundfont"].lower())
        assert (clip.fields["soundfont"] == "C") == (clip.split == "test")
    train_fonts = collections.Counter(c.fields["soundfont"] for c in clips
                                      if c.split == "train")
    assert train_fonts == {"A": 48, "B": 48}
    for family, spec in INSTRUMENT_FAMILIES.items():
        low, high = spec["pitches"]
        assert all(low <= c.fields["pitch"] <= high for c in clips
                   if c.fields["family"] == family)
    by_program = collections.defaultdict(collections.Counter)
    for clip in clips:
        by_program[clip.fields["program"]][clip.split] += 1
    assert all(c == {"train": 6, "valid": 2, "test": 2}
               for c in by_program.values())
    with pytest.raises(ValueError, match="programs_per_family=7"):
        collect_notes({**opts, "programs_per_family": 7}, random.Random(0))


def test_questions_follow_the_facts_and_are_balanced():
    voice = speech_clip("es", "/x.wav", "hola", "f", "es_ES_f_Allison",
                        "hola que tal")
    answers = aqa_questions(voice)
    assert answers["is someone speaking?"] == "yes"
    assert answers["is this person speaking spanish?"] == "yes"
    assert answers["is this person speaking french?"] == "no"
    assert "is this a cymbal?" not in answers
    hat = drum_clip("hi-hat", {"name": "K", "license": ""}, "HH",
                    "/k/hh.wav", None)
    assert "is this a drum?" not in aqa_questions(hat)
    assert aqa_questions(hat)["is this a cymbal?"] == "yes"
    clips = [voice] + [
        note_clip(f, 0, 60, 50, f"g{i}", "TimGM6mb")
        for i, f in enumerate(["piano", "organ", "organ", "flute"])]
    chosen = balanced_aqa(clips, random.Random(0), 1)
    per_question = collections.defaultdict(collections.Counter)
    for _, question, answer in chosen:
        per_question[question][answer] += 1
    assert per_question["is this an organ?"] == {"yes": 1, "no": 1}
    assert per_question["is someone speaking?"] == {"yes": 1, "no": 1}
    assert "is this a guitar?" not in per_question  # nobody says yes
    assert all(c["yes"] == c["no"] for c in per_question.values())


def test_build_items_of_a_test_note_and_a_train_drum(tmp_path):
    note = note_clip("brass", 56, 70, 115, "note_p056_n070", "TimGM6mb")
    hit = drum_clip("tom", {"name": "Kit", "license": "CC0"},
                    "Floor Tom", "/kit/tom.wav", None)
    note.split, hit.split = "test", "train"
    note.duration = hit.duration = 1.0
    items = build_items([note, hit], {"data_folder": str(tmp_path),
                                      "aqa_max_per_answer": 5},
                        random.Random(0))
    test = items["test"]
    assert sorted(test) == ["note_p056_n070_v115_timgm6mb__caption",
                            "note_p056_n070_v115_timgm6mb__note"]
    item = test["note_p056_n070_v115_timgm6mb__note"]
    assert item["wav"] == "{data_root}/notes/note_p056_n070_v115_timgm6mb.wav"
    assert item["soundfont"] == "TimGM6mb"
    assert (item["labels"], item["eval_task"]) == (["brass"],
                                                   "instrument_family")
    caption = test["note_p056_n070_v115_timgm6mb__caption"]
    assert caption["references"][0] == caption["target"] == note.caption
    train = items["train"]
    assert train["kit_floor-tom_tom__event"]["labels"] == ["tom"]
    assert "path" not in train["kit_floor-tom_tom__event"]
    assert items["valid"] == {}
    assert eval_labels({"sources": ["notes", "drums"], "languages": []}) == {
        "aqa_yes_no": ["yes", "no"],
        "instrument_family": list(INSTRUMENT_FAMILIES)}


def test_sample_names_find_their_longest_prefix():
    assert sample_entry("ambi_choir")[0] == "choir"
    assert sample_entry("ambi_drone")[0] == "ambient sound"
    event, _, facts = sample_entry("bd_haus")
    assert event == "kick drum" and facts["drum"] is True
    assert sample_entry("drum_cymbal_pedal")[0] == "hi-hat"
    assert sample_entry("zz_unknown") is None


# ---------------------------- recorded sources from a copy of their files --
def _fake_root(root):
    """A copy of the four recorded sources' Debian files, in their layout:
    each file a different sound, a few copies under another name, a few
    files the collectors must leave out."""
    seed = iter(range(100, 200))

    def sound(path, seconds=1.0, rate=16000, fmt=None):
        if fmt is None:
            return write_clip(str(path), seconds, rate, seed=next(seed))
        path.parent.mkdir(parents=True, exist_ok=True)
        wave = np.random.default_rng(next(seed)).uniform(-0.3, 0.3, 16000)
        soundfile.write(str(path), wave, 16000, format=fmt, subtype="VORBIS")
        return str(path)

    sonic = root / "usr/share/sonic-pi/samples"
    for name in ("bd_haus", "ambi_choir", "vinyl_hiss", "zz_unknown",
                 "perc_bell", "perc_door", "perc_impact", "perc_snap",
                 "perc_till"):
        sound(sonic / f"{name}.flac")
    sonic.joinpath("sn_dub.flac").write_bytes(
        sonic.joinpath("bd_haus.flac").read_bytes())
    stereo = root / "usr/share/sounds/freedesktop/stereo"
    for name in ("bell", "camera-shutter", "complete", "dialog-error",
                 "audio-channel-front-left"):
        sound(stereo / f"{name}.oga", fmt="OGG")
    stereo.joinpath("dialog-warning.oga").write_bytes(
        stereo.joinpath("dialog-error.oga").read_bytes())
    june = root / "usr/share/asterisk/sounds/fr_FR_f_June"
    lines = ["; French prompts", ""]
    for i in range(6):
        sound(june / f"p{i}.wav", 2.0, 8000)
        lines.append(f"p{i}: phrase numéro {i} pour vous")
    sound(june / "short.wav", 1.0, 8000)
    sound(june / "two.wav", 2.0, 8000)
    lines += ["short: une phrase trop courte", "two: [bip] deux mots",
              "gone: ce fichier est absent"]
    doc = root / "usr/share/doc/asterisk-core-sounds-fr"
    doc.mkdir(parents=True)
    with gzip.open(doc / "core-sounds-fr.txt.gz", "wt",
                   encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    kit = root / "usr/share/hydrogen/data/drumkits/Kit"
    layers = {"Kick": ["kick-soft.wav", "kick-hard.wav"],
              "Snare": ["snare.wav"], "Closed HH": ["hh.wav"],
              "Crash": ["crash.wav"], "Stick": ["stick.wav"]}
    xml = []
    for inst, files in layers.items():
        for name in files:
            sound(kit / name, 0.3, 44100)
        xml.append(f"<instrument><name>{inst}</name>" + "".join(
            f"<layer><filename>{f}</filename><min>{i / 2}</min>"
            f"<max>{(i + 1) / 2}</max></layer>" for i, f in enumerate(files))
            + "</instrument>")
    (kit / "drumkit.xml").write_text(
        "<drumkit_info><name>Kit</name><license>CC0</license>"
        f"<instrumentList>{''.join(xml)}</instrumentList></drumkit_info>")
    return str(root)


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    return _fake_root(tmp_path_factory.mktemp("debian"))


RECORDED = {"sources": ["speech", "drums", "samples", "events"],
            "languages": ["fr"], "speech_per_language": 5, "drum_hits": 8}


def test_recorded_sources_from_a_copy_of_the_packages(tmp_path, fake_root):
    data, save = str(tmp_path / "data"), str(tmp_path / "save")
    out = prepare_localsounds(data, save, source_root=fake_root, **RECORDED)
    splits = _manifests(save, data)
    clips = {}
    for split, manifest in splits.items():
        for item in manifest.values():
            assert clips.setdefault(item["clip"], split) == split
            if split == "test":
                assert item["eval_task"] in EVAL_TASKS
                assert item["task"] != "sound_event"
    by_source = collections.defaultdict(set)
    for manifest in splits.values():
        for item in manifest.values():
            by_source[item["source"]].add(item["clip"])
    # left out: unlabelled and repeated samples, events under a second
    # name, prompts too short or of too few words, drums of no class
    assert by_source["samples"] == {
        "bd-haus", "ambi-choir", "vinyl-hiss", "perc-bell", "perc-door",
        "perc-impact", "perc-snap", "perc-till"}
    assert by_source["events"] == {
        "bell", "camera-shutter", "complete", "dialog-error",
        "audio-channel-front-left"}
    assert len(by_source["speech"]) == 5
    assert by_source["speech"] <= {f"fr_FR_f_June_p{i}" for i in range(6)}
    assert by_source["drums"] == {
        "kit_kick_kick-soft", "kit_kick_kick-hard", "kit_snare_snare",
        "kit_closed-hh_hh", "kit_crash_crash"}
    perc = {i["clip"] for s in SPLITS for i in splits[s].values()
            if i["source"] == "samples" and s == "test"}
    assert len(perc) == 1  # 1 of the 5 perc samples, the only 5-stratum
    for manifest in splits.values():
        for item in manifest.values():
            info = soundfile.info(item["wav"])
            assert (info.samplerate, info.channels) == (16000, 1)
            assert 0.5 <= item["duration"] <= 4.0
    with open(os.path.join(save, "labels_language.json")) as f:
        assert json.load(f) == ["french"]
    assert not os.path.exists(os.path.join(save,
                                           "labels_instrument_family.json"))
    stamp = os.path.getmtime(out["train"])
    assert prepare_localsounds(data, save, source_root=fake_root,
                               **RECORDED) == out
    assert os.path.getmtime(out["train"]) == stamp


def test_entry_script_command_line(tmp_path, fake_root):
    data, save = str(tmp_path / "data"), str(tmp_path / "save")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, ENTRY, "--data_folder", data, "--save_folder", save,
         "--sources", "['events']", "--source_root", fake_root],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    items = read_manifest(os.path.join(save, "train.json"), data_root=data)
    assert {i["source"] for i in items.values()} == {"events"}
    with open(os.path.join(save, "prepare_opts.json")) as f:
        assert json.load(f)["sources"] == ["events"]
    bad = subprocess.run(
        [sys.executable, ENTRY, "--data_folder", data, "--save_folder", save,
         "--no_such_option", "1"], capture_output=True, text=True, env=env,
        timeout=300)
    assert bad.returncode == 2 and "no_such_option" in bad.stderr
