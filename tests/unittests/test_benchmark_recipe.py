"""Tests of pengi_sb.benchmark.recipe: the hparams' prepare module is the
script's to make importable, and a missing one is named clearly.

Authors
 * pengi-sb developers 2026
"""

import sys

import pytest

from pengi_sb.benchmark.recipe import check_prepare_importable, recipe_hparams

PREPARE = '''
def prepare_toy(data_folder, save_folder, skip_prep=False):
    return {"test": save_folder + "/test.json"}
'''


def _recipe(tmp_path):
    """A dataset folder with its prepare module and a task yaml."""
    dataset = tmp_path / "ToyData"
    (dataset / "zeroshot" / "hparams").mkdir(parents=True)
    (dataset / "toy12_prepare.py").write_text(PREPARE)
    yaml = dataset / "zeroshot" / "hparams" / "zeroshot.yaml"
    yaml.write_text(
        f"output_folder: {tmp_path / 'out'}\n"
        "data_folder: !PLACEHOLDER\n"
        "prepare: !name:toy12_prepare.prepare_toy\n"
    )
    return dataset, yaml


def test_missing_prepare_module_is_named(tmp_path):
    _, yaml = _recipe(tmp_path)
    with pytest.raises(ImportError) as err:
        check_prepare_importable(str(yaml), "recipes/Toy/evaluate.py")
    message = str(err.value)
    for part in ("'prepare'", "'toy12_prepare'", "recipes/Toy/evaluate.py",
                 "sys.path"):
        assert part in message


def test_recipe_hparams_leaves_sys_path_to_the_script(tmp_path,
                                                      monkeypatch):
    dataset, yaml = _recipe(tmp_path)
    argv = [str(yaml), "--data_folder", str(tmp_path)]
    before = list(sys.path)
    with pytest.raises(ImportError, match="toy12_prepare"):
        recipe_hparams(argv)
    assert sys.path == before
    # what a recipe script does itself
    monkeypatch.syspath_prepend(str(dataset))
    hparams, _, _, hparams_file = recipe_hparams(argv)
    assert hparams_file == str(yaml)
    assert hparams["prepare"](data_folder="d", save_folder="s") == {
        "test": "s/test.json"}
    assert (tmp_path / "out" / "hyperparams.yaml").is_file()


def test_yaml_without_prepare_passes(tmp_path):
    yaml = tmp_path / "x.yaml"
    yaml.write_text("output_folder: out\n")
    check_prepare_importable(str(yaml))


# ------------------------------------------- fine-tuning: every run at once
def test_runs_report_leaves_counts_and_unavailable_scores_out(tmp_path):
    from pengi_sb.benchmark.report import summarize_runs, write_runs_report

    runs = [{"name": "fold1", "n_test": 3,
             "test": {"text/accuracy": 0.5, "text/spice": None}},
            {"name": "fold2", "n_test": 2,
             "test": {"text/accuracy": 1.0, "text/spice": None}}]
    mean, std = summarize_runs(runs)
    assert mean == {"text/accuracy": 0.75, "text/spice": None}
    assert std == {"text/accuracy": 0.25, "text/spice": None}
    paths = write_runs_report({"runs": runs, "mean": mean, "std": std},
                              str(tmp_path), title="T",
                              columns=[("test", "n_test")], notes=["end"])
    markdown = open(paths["markdown"], encoding="utf-8").read()
    assert markdown.splitlines() == [
        "# T", "",
        "| run | test | text/accuracy | text/spice |",
        "| --- | --- | --- | --- |",
        "| fold1 | 3 | 0.5000 | — |",
        "| fold2 | 2 | 1.0000 | — |",
        "| mean ± std | | 0.7500 ± 0.2500 | — |",
        "", "end"]


def _tuning_yaml(tmp_path):
    yaml = tmp_path / "finetune.yaml"
    yaml.write_text(
        "run_name: splits\n"
        f"output_folder: {tmp_path / 'out'}\n"
        "manifest_folder: !ref <output_folder>/manifests\n"
        "save_folder: !ref <output_folder>/save\n"
        "finetuned_folder: !ref <output_folder>/pretrained\n"
        "lr: 0.1\n"
    )
    return str(yaml)


def test_every_run_gets_its_own_folders(tmp_path):
    """Each run of ``--run_name all`` is loaded as a call of its own, in
    its folder, keeping the command line's overrides; overriding a folder
    the runs would then share is refused."""
    from pengi_sb.benchmark.config import EvaluationError
    from pengi_sb.benchmark.finetune import run_hparams

    yaml = _tuning_yaml(tmp_path)
    folder = str(tmp_path / "out" / "fold2")
    hparams = run_hparams(yaml, "run_name: all\nlr: 0.5\n", "fold2", folder,
                          "/shared/manifests")
    assert hparams["run_name"] == "fold2" and hparams["lr"] == 0.5
    assert hparams["save_folder"] == f"{folder}/save"
    assert hparams["manifest_folder"] == "/shared/manifests"
    assert (tmp_path / "out" / "fold2" / "hyperparams.yaml").is_file()
    with pytest.raises(EvaluationError, match="save_folder"):
        run_hparams(yaml, "save_folder: /shared/save\n", "fold1",
                    str(tmp_path / "out" / "fold1"), "/shared/manifests")
