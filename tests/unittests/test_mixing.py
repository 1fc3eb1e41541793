"""Tests of pengi_sb.data.mixing: mixed manifests and the weighted sampler."""

import collections
import os

import pytest
from speechbrain.dataio.sampler import DistributedSamplerWrapper

from pengi_sb.data.manifest import make_item, write_manifest
from pengi_sb.data.mixing import (
    MixtureError,
    WeightedEpochSampler,
    load_mixture,
    read_mixture,
)


def _manifest(folder, name, n, root_placeholder=False, ext="json",
              id_prefix="id"):
    prefix = "{data_root}" if root_placeholder else "/abs"
    items = {
        f"{id_prefix}{i}": make_item(f"{prefix}/{name}{i}.wav", 1.0,
                                     "captioning", caption=f"{name} {i}")
        for i in range(n)
    }
    path = os.path.join(folder, f"{name}.{ext}")
    write_manifest(items, path)
    return path


@pytest.fixture
def three(tmp_path):
    return [
        {"manifest": _manifest(tmp_path, "big", 90), "weight": 1.0},
        {"manifest": _manifest(tmp_path, "mid", 9, ext="csv"), "weight": 2.0,
         "name": "middle"},
        {"manifest": _manifest(tmp_path, "tiny", 1, root_placeholder=True),
         "weight": 1.0, "data_root": "/data/tiny"},
    ]


def test_ids_prefixed_and_shares_follow_weights(three):
    items, weights = load_mixture(three)
    assert len(items) == len(weights) == 100
    assert "big/id0" in items and "middle/id8" in items
    assert items["tiny/id0"]["wav"] == "/data/tiny/tiny0.wav"
    shares = collections.Counter()
    for item_id, w in zip(items, weights, strict=True):
        shares[item_id.split("/")[0]] += w
    assert shares["big"] == pytest.approx(0.25)
    assert shares["middle"] == pytest.approx(0.5)
    assert shares["tiny"] == pytest.approx(0.25)
    assert {it["mixture"] for it in items.values()} == {
        "big", "middle", "tiny"}


def test_sampler_epoch_shares_and_determinism(three):
    items, weights = load_mixture(three)
    names = [i.split("/")[0] for i in items]
    sampler = WeightedEpochSampler(weights, epoch_size=20000, seed=11)
    first = list(sampler)
    assert len(first) == len(sampler) == 20000
    counts = collections.Counter(names[i] for i in first)
    assert counts["middle"] / 20000 == pytest.approx(0.5, abs=0.02)
    assert counts["tiny"] / 20000 == pytest.approx(0.25, abs=0.02)
    assert list(sampler) == first
    assert list(WeightedEpochSampler(weights, 20000, seed=11)) == first
    sampler.set_epoch(1)
    second = list(sampler)
    assert second != first
    sampler.set_epoch(0)
    assert list(sampler) == first


def test_sampler_ddp_split(three):
    _, weights = load_mixture(three)
    sampler = WeightedEpochSampler(weights, epoch_size=101, seed=5)
    sampler.set_epoch(3)
    full = list(sampler)
    parts = []
    for rank in range(2):
        wrapped = DistributedSamplerWrapper(sampler, num_replicas=2,
                                            rank=rank, shuffle=False)
        wrapped.set_epoch(3)
        parts.append(list(wrapped))
    assert len(parts[0]) == len(parts[1]) == 51
    # Each rank takes every other position of the same epoch (the last
    # position is repeated to pad 101 to 102).
    assert parts[0] == full[0::2]
    assert parts[1] == (full + full[:1])[1::2]


def test_zero_weight_entry_is_left_out(three):
    three[0]["weight"] = 0
    items, weights = load_mixture(three)
    assert not any(i.startswith("big/") for i in items)
    assert sum(weights) == pytest.approx(1.0)


@pytest.mark.parametrize("change, message", [
    ({"weight": -1}, "weight must be >= 0"),
    ({"weight": "lots"}, "not a number"),
    ({"manifest": None}, "needs 'manifest'"),
    ({"name": "middle"}, "more than once"),
    ({"name": "a/b"}, "may not contain"),
])
def test_bad_entries(three, change, message):
    three[0].update(change)
    with pytest.raises(MixtureError, match=message):
        load_mixture(three)


def test_missing_weight_and_data_root(three):
    del three[0]["weight"]
    with pytest.raises(MixtureError, match="needs a sampling 'weight'"):
        load_mixture(three)
    three[0]["weight"] = 1
    del three[2]["data_root"]
    with pytest.raises(MixtureError, match="give the entry a 'data_root'"):
        load_mixture(three)


def test_missing_manifest_names_entry(three, tmp_path):
    three[1]["manifest"] = str(tmp_path / "nope.json")
    with pytest.raises(MixtureError, match="'middle'.*nope.json"):
        load_mixture(three)


def test_several_manifests_one_entry(tmp_path):
    a = _manifest(tmp_path / "a", "part", 3)
    b = _manifest(tmp_path / "b", "part", 2)
    with pytest.raises(MixtureError, match="occurs in two"):
        load_mixture([{"manifest": [a, b], "weight": 1, "name": "x"}])
    c = _manifest(tmp_path, "other", 2, id_prefix="other")
    items, weights = load_mixture([{"manifest": [a, c], "weight": 1}])
    assert len(items) == 5 and sum(weights) == pytest.approx(1.0)


def test_read_mixture_yaml(tmp_path, three):
    path = tmp_path / "mix.yaml"
    path.write_text(
        "manifest_folder: !PLACEHOLDER\n"
        "mixture:\n"
        "  - name: big\n"
        "    manifest: !ref <manifest_folder>/big.json\n"
        "    recipe: recipes/Big\n"
        "    weight: 3\n"
    )
    spec = read_mixture(str(path), {"manifest_folder": str(tmp_path)})
    items, weights = load_mixture(spec)
    assert len(items) == 90 and sum(weights) == pytest.approx(1.0)


def test_sampler_rejects_bad_weights():
    with pytest.raises(ValueError, match="epoch_size"):
        WeightedEpochSampler([1.0], 0)
    with pytest.raises(ValueError, match="at least one"):
        WeightedEpochSampler([0.0, 0.0], 4)
    with pytest.raises(ValueError, match=">= 0"):
        WeightedEpochSampler([1.0, -1.0], 4)


def test_task_reprompts_items(three):
    three[1]["task"] = "metadata"
    items, _ = load_mixture(three)
    item = items["middle/id3"]
    assert (item["task"], item["prompt"], item["target"]) == (
        "metadata", "generate metadata", "mid 3")
    assert item["source_task"] == "captioning"
    assert items["big/id3"]["prompt"] == "generate audio caption"
    three[1]["task"] = "audio_qa"
    with pytest.raises(MixtureError, match="prompt with slots"):
        load_mixture(three)
    three[1]["task"] = "no_such_task"
    with pytest.raises(MixtureError, match="unknown task"):
        load_mixture(three)


MIXTURE_YAML = os.path.join(os.path.dirname(__file__), "..", "..", "recipes",
                            "Pretrain", "hparams", "mixture.yaml")


def test_pretraining_mixture_yaml_is_consistent(tmp_path):
    import importlib.util
    import inspect

    from pengi_sb.tasks import get_template

    spec = read_mixture(MIXTURE_YAML, {"manifest_folder": str(tmp_path / "m"),
                                       "corpus_folder": "/corpus"})
    assert len(spec) == 17
    assert len({e["name"] for e in spec}) == 17
    assert sum(e["pairs"] for e in spec) == 3400000
    root = os.path.join(os.path.dirname(MIXTURE_YAML), "..", "..", "..")
    for entry in spec:
        assert entry["weight"] > 0
        for task in entry["templates"] + [entry.get("task", "metadata")]:
            get_template(task)
        module, function = entry["prepare"].split(".")
        path = os.path.join(root, entry["recipe"], f"{module}.py")
        loader = importlib.util.spec_from_file_location(module, path)
        mod = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(mod)
        params = inspect.signature(getattr(mod, function)).parameters
        assert set(entry["prepare_kwargs"]) <= set(params), entry["name"]
        dataset = os.path.basename(entry["recipe"])
        assert entry["data_root"] == f"/corpus/{dataset}"
        manifests = entry["manifest"]
        manifests = [manifests] if isinstance(manifests, str) else manifests
        for m in manifests:
            assert m.startswith(str(tmp_path / "m" / dataset))
            # a one-item manifest per path, so that the mixture loads
            item = make_item("{data_root}/a.wav", 1.0, entry["templates"][0],
                             caption="c", events=["e"], scene="s",
                             emotion="e", sentiment="s", instrument="i",
                             metadata="m", question="q", answer="a")
            write_manifest({os.path.basename(m): item}, m)
    items, weights = load_mixture(spec)
    assert len(items) == 18  # AudioSet has two manifests
    shares = collections.Counter()
    for item_id, w in zip(items, weights, strict=True):
        shares[item_id.split("/")[0]] += w
    total = sum(e["weight"] for e in spec)
    for entry in spec:
        assert shares[entry["name"]] == pytest.approx(entry["weight"] / total)
    assert items["wavcaps/train.json"]["prompt"] == "generate metadata"
