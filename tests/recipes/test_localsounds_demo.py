"""Tests of what the demo reports beside its metrics
(``recipes/LocalSounds/evaluate_heldout.py``, ``summarize_seeds.py``): the
protocol read off the manifests, the training run read off its folder,
the summary over seeds and its targets.

Authors
 * pengi-sb developers 2026
"""

import importlib.util
import json
import os
import sys

from speechbrain.utils.train_logger import FileTrainLogger

from pengi_sb.data.manifest import make_item, write_manifest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RECIPE = os.path.join(ROOT, "recipes", "LocalSounds")


def _load(name):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, RECIPE)
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(RECIPE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _item(clip, source, split, **fields):
    item = make_item(f"{{data_root}}/{clip}.wav", 1.0, "captioning",
                     caption="a sound")
    item.update(clip=clip, source=source, split=split, **fields)
    return item


def test_protocol_says_what_each_split_is_made_of(tmp_path):
    evaluate_heldout = _load("evaluate_heldout")
    splits = {
        "train": {"a": _item("n1", "notes", "train", soundfont="FluidR3_GM"),
                  "b": _item("n2", "notes", "train",
                             soundfont="MuseScore_General"),
                  "c": _item("d1", "drums", "train", kit="GMRockKit"),
                  "d": _item("s1", "speech", "train", voice="fr_FR_f_June")},
        "valid": {"e": _item("n3", "notes", "valid", soundfont="FluidR3_GM")},
        "test": {"f": _item("n4", "notes", "test", soundfont="TimGM6mb"),
                 "g": _item("n4", "notes", "test", soundfont="TimGM6mb"),
                 "h": _item("d2", "drums", "test", kit="VariBreaks")},
    }
    for split, items in splits.items():
        write_manifest(items, str(tmp_path / f"{split}.json"))
    protocol = evaluate_heldout.protocol(str(tmp_path), "/data")
    train, test = protocol["splits"]["train"], protocol["splits"]["test"]
    assert train["soundfonts"] == ["FluidR3_GM", "MuseScore_General"]
    assert train["drum_kits"] == ["GMRockKit"]
    assert train["voices"] == ["fr_FR_f_June"]
    assert train["clips"] == {"notes": 2, "drums": 1, "speech": 1}
    assert test == {"items": 3, "clips": {"notes": 1, "drums": 1},
                    "soundfonts": ["TimGM6mb"], "drum_kits": ["VariBreaks"],
                    "voices": []}
    assert set(protocol["held_out"]) == {"notes", "drums", "speech",
                                         "samples", "events"}


def test_training_run_reads_seed_epochs_and_seconds(tmp_path):
    evaluate_heldout = _load("evaluate_heldout")
    (tmp_path / "hyperparams.yaml").write_text(
        "# generated\nseed: 7\nnumber_of_epochs: 3  # x\nlr: 0.001\n")
    logger = FileTrainLogger(str(tmp_path / "train_log.txt"))
    for epoch, seconds in ((1, 61), (2, 59)):
        logger.log_stats(
            stats_meta={"epoch": epoch, "lr": 1e-3, "optimizer_steps": 10,
                        "seconds": seconds},
            train_stats={"loss": 1.0}, valid_stats={"loss": 0.5})
    logger.log_stats(stats_meta={"Epoch loaded": 2},
                     test_stats={"loss": 0.4})
    run = evaluate_heldout.training_run(str(tmp_path))
    assert run == {"seed": 7, "number_of_epochs": 3, "epochs_trained": 2,
                   "epoch_seconds": [61.0, 59.0]}
    assert evaluate_heldout.training_run(str(tmp_path / "none")) == {}


def test_summary_over_seeds_checks_mean_and_every_seed(tmp_path):
    summarize_seeds = _load("summarize_seeds")
    paths = []
    for seed, family, language in ((1, 0.80, 0.95), (2, 0.74, 0.93),
                                   (3, 0.83, 0.92)):
        path = tmp_path / f"seed{seed}.json"
        path.write_text(json.dumps({
            "run": {"seed": seed},
            "metrics": {"instrument_family_accuracy": family,
                        "language_accuracy": language, "cider_d": 2.0},
            "seconds": {"total": 600.0 + seed * 60}}))
        paths.append(str(path))
    out = tmp_path / "summary.json"
    summarize_seeds.main([*paths, "--output", str(out)])
    table = json.loads(out.read_text())
    family = table["instrument_family_accuracy"]
    assert abs(family["mean"] - 0.79) < 1e-9 and family["min"] == 0.74
    assert family["mean_met"] and not family["every_seed_met"]
    assert table["language_accuracy"]["every_seed_met"]
    assert "target" not in table["cider_d"]
    assert table["total_minutes"] == {"mean": 12.0, "max": 13.0}
