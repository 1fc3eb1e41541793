"""A recipe yaml with its shared keys in an !include:d file.

Authors
 * pengi-sb developers 2026
"""

import os

import pytest

from pengi_sb.benchmark.recipe_yaml import (
    find_include,
    load_recipe_yaml,
    route_overrides,
)

SHARED = """\
name: !PLACEHOLDER
seed: 3
__hidden: !apply:math.floor [1.5]
lr: 0.1
out: !ref results/<name>/<seed>
opt: !name:torch.optim.SGD
    lr: !ref <lr>
"""


def _write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@pytest.fixture
def recipe(tmp_path):
    """A recipe yaml two folders below its shared file."""
    _write(tmp_path, "hparams/common.yaml", SHARED)
    return _write(tmp_path, "Data/task/hparams/x.yaml", """\
data_folder: !PLACEHOLDER
subset: all
prepare: !name:builtins.dict
    subset: !ref <subset>
shared: !include:../../../hparams/common.yaml
    name: data
    lr: 0.2
""")


def test_flat_hparams_from_any_working_directory(recipe, tmp_path,
                                                 monkeypatch):
    monkeypatch.chdir(tmp_path / "Data")
    hparams, overrides = load_recipe_yaml(recipe, {"data_folder": "/d"})
    assert hparams["out"] == "results/data/3"
    assert hparams["opt"].keywords["lr"] == 0.2
    assert hparams["prepare"]().get("subset") == "all"
    assert "shared" not in hparams and "__hidden" not in hparams
    assert overrides.strip() == "data_folder: /d"


def test_overrides_go_where_the_key_is_defined(recipe):
    routed = route_overrides(recipe, "data_folder: /d\nsubset: x\nseed: 5\n"
                             "name: other")
    assert routed == {"data_folder": "/d", "subset": "x",
                      "shared": {"seed": 5, "name": "other"}}
    hparams, _ = load_recipe_yaml(recipe, "data_folder: /d\nseed: 5\nlr: 1")
    assert hparams["out"] == "results/data/5"
    assert hparams["opt"].keywords["lr"] == 1
    with pytest.raises(ValueError, match="'sead' is not a key"):
        load_recipe_yaml(recipe, "data_folder: /d\nsead: 5")


def test_missing_shared_value_is_named(recipe, tmp_path):
    path = _write(tmp_path, "Data/task/hparams/y.yaml", """\
data_folder: /d
shared: !include:../../../hparams/common.yaml
    lr: 0.2
""")
    with pytest.raises(ValueError, match="'name' is a !PLACEHOLDER"):
        load_recipe_yaml(path)


def test_shared_key_at_the_top_is_refused(tmp_path):
    _write(tmp_path, "hparams/common.yaml", SHARED)
    path = _write(tmp_path, "D/t/hparams/z.yaml", """\
lr: 0.5
shared: !include:../../../hparams/common.yaml
    name: data
""")
    with pytest.raises(ValueError, match=r"\['lr'\] set at the top .* "
                       "set them under 'shared:'"):
        load_recipe_yaml(path)


def test_include_without_mapping_or_twice_is_refused(tmp_path):
    _write(tmp_path, "hparams/common.yaml", SHARED)
    bare = _write(tmp_path, "D/t/hparams/bare.yaml",
                  "shared: !include:../../../hparams/common.yaml\n")
    with pytest.raises(ValueError, match="has no mapping under it"):
        find_include(bare)
    twice = _write(tmp_path, "D/t/hparams/twice.yaml", """\
a: !include:../../../hparams/common.yaml
    name: x
b: !include:../../../hparams/common.yaml
    name: y
""")
    with pytest.raises(ValueError, match="includes 2 files"):
        find_include(twice)


def test_yaml_without_include_loads_as_hyperpyyaml(tmp_path):
    path = _write(tmp_path, "plain.yaml", "a: 1\nb: !ref <a>\n")
    hparams, overrides = load_recipe_yaml(path, "a: 2")
    assert hparams == {"a": 2, "b": 2} and overrides.strip() == "a: 2"
    assert find_include(path) is None
