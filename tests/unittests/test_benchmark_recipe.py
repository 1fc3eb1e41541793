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
