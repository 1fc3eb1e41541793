"""The benchmark recipes of the paper's downstream tasks, run end to end.

For every dataset / task: a tiny copy of the official layout
(tests/layouts), a tiny random Pengi (tests/model_fixtures), then the
recipe folder's own entry point (``recipes/<Dataset>/zeroshot/evaluate.py``,
``finetune/train.py``, ``finetune/linear_probe.py``, each calling the shared
loop of ``pengi_sb.benchmark``): prepare + zero-shot evaluation (both
close-ended methods where they apply), a ``--debug`` fine-tuning with
PengiBrain, and a linear probe. Two runs go through the scripts in a
subprocess from another working directory, as a user calls them. The
consistency tests check that the recipes are real files (no symlinks)
and that every yaml loads with its shared file.

Authors
 * pengi-sb developers 2026
"""

import glob
import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch
from layouts import sound, speech_text
from model_fixtures import tiny_pretrained_folder

from pengi_sb.benchmark.config import EvaluationError, TaskConfig
from pengi_sb.benchmark.protocols import build_runs, kfold_partition
from pengi_sb.metrics import find_spice

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RECIPES = os.path.join(ROOT, "recipes")
TINY = ["--beam_size", "1", "--max_len", "3", "--batch_size", "4"]
FOLDS3 = ["--n_folds", "3", "--valid_fold", "2", "--test_fold", "3"]

LAYOUTS = {
    "AudioCaps": speech_text.make_audiocaps_layout,
    "Clotho": speech_text.make_clotho_layout,
    "ClothoAQA": speech_text.make_clothoaqa_layout,
    "ESC50": sound.make_esc50_layout,
    "FSD50K": sound.make_fsd50k_layout,
    "UrbanSound8K": sound.make_urbansound8k_layout,
    "DCASE2017Task4": sound.make_dcase2017task4_layout,
    "TUT2017": sound.make_tut2017_layout,
    "GTZANMusicSpeech": sound.make_gtzan_music_speech_layout,
    "GTZANGenres": sound.make_gtzan_genres_layout,
    "BeijingOpera": sound.make_beijing_opera_layout,
    "NSynth": sound.make_nsynth_layout,
    "CREMAD": speech_text.make_cremad_layout,
    "RAVDESS": speech_text.make_ravdess_layout,
    "VocalSound": speech_text.make_vocalsound_layout,
    "SESA": sound.make_sesa_layout,
}
# Layout-specific overrides: the tiny speech corpora have 3 speakers, the
# tiny corpora without an official split 4 clips (2-fold cross-validation)
KFOLD2 = ["--n_folds", "2"]
EXTRA = {"CREMAD": FOLDS3, "RAVDESS": FOLDS3}
# (the tuned captioners are scored without Java: test_zeroshot covers the
# full caption metrics)
QUICK_CAPTIONS = ["--caption_metrics", "[bleu_4, cider_d]", "--metric",
                  "cider_d", "--caption_tokenize", "False"]
TUNING_EXTRA = {**EXTRA, "GTZANMusicSpeech": KFOLD2,
                "GTZANGenres": KFOLD2, "BeijingOpera": KFOLD2,
                "AudioCaps": QUICK_CAPTIONS, "Clotho": QUICK_CAPTIONS}

# (dataset, zero-shot yaml, task type, split)
ZEROSHOT = [
    ("AudioCaps", "zeroshot.yaml", "captioning"),
    ("AudioCaps", "zeroshot_retrieval.yaml", "retrieval"),
    ("Clotho", "zeroshot.yaml", "captioning"),
    ("Clotho", "zeroshot_retrieval.yaml", "retrieval"),
    ("ClothoAQA", "zeroshot.yaml", "aqa"),
    ("ESC50", "zeroshot.yaml", "classification"),
    ("ESC50", "zeroshot_actions.yaml", "multilabel"),
    ("FSD50K", "zeroshot.yaml", "multilabel"),
    ("UrbanSound8K", "zeroshot.yaml", "classification"),
    ("DCASE2017Task4", "zeroshot.yaml", "multilabel"),
    ("TUT2017", "zeroshot.yaml", "classification"),
    ("GTZANMusicSpeech", "zeroshot.yaml", "classification"),
    ("GTZANGenres", "zeroshot.yaml", "classification"),
    ("BeijingOpera", "zeroshot.yaml", "classification"),
    ("NSynth", "zeroshot_instrument.yaml", "classification"),
    ("NSynth", "zeroshot_pitch.yaml", "classification"),
    ("NSynth", "zeroshot_velocity.yaml", "classification"),
    ("NSynth", "zeroshot_qualities.yaml", "multilabel"),
    ("CREMAD", "zeroshot.yaml", "classification"),
    ("RAVDESS", "zeroshot.yaml", "classification"),
    ("VocalSound", "zeroshot.yaml", "classification"),
    ("SESA", "zeroshot.yaml", "classification"),
]
# (dataset, fine-tuning yaml, linear-probe yaml or None, probe runs)
FINETUNE = [
    ("AudioCaps", "finetune.yaml", None, 0),
    ("Clotho", "finetune.yaml", None, 0),
    ("ClothoAQA", "finetune.yaml", None, 0),
    ("ESC50", "finetune.yaml", "linear_probe.yaml", 5),
    ("ESC50", "finetune_actions.yaml", "linear_probe_actions.yaml", 5),
    ("FSD50K", "finetune.yaml", "linear_probe.yaml", 1),
    ("UrbanSound8K", "finetune.yaml", "linear_probe.yaml", 10),
    ("DCASE2017Task4", "finetune.yaml", "linear_probe.yaml", 1),
    ("TUT2017", "finetune.yaml", "linear_probe.yaml", 4),
    ("GTZANMusicSpeech", "finetune.yaml", "linear_probe.yaml", 2),
    ("GTZANGenres", "finetune.yaml", "linear_probe.yaml", 2),
    ("BeijingOpera", "finetune.yaml", "linear_probe.yaml", 2),
    ("NSynth", "finetune_instrument.yaml", "linear_probe_instrument.yaml", 1),
    ("NSynth", "finetune_pitch.yaml", "linear_probe_pitch.yaml", 1),
    ("NSynth", "finetune_velocity.yaml", "linear_probe_velocity.yaml", 1),
    ("NSynth", "finetune_qualities.yaml", "linear_probe_qualities.yaml", 1),
    ("CREMAD", "finetune.yaml", "linear_probe.yaml", 1),
    ("RAVDESS", "finetune.yaml", "linear_probe.yaml", 1),
    ("VocalSound", "finetune.yaml", "linear_probe.yaml", 1),
    ("SESA", "finetune.yaml", "linear_probe.yaml", 1),
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tiny models run fastest on one thread (and do not slow down
    when other processes share the cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# the entry script of each kind of recipe, in recipes/<Dataset>/
SCRIPTS = {"zeroshot": "zeroshot/evaluate.py", "finetune": "finetune/train.py",
           "linear_probe": "finetune/linear_probe.py"}


def _load_script(dataset, kind):
    """Imports a recipe folder's script as a module (which puts its dataset
    folder on sys.path, as when it runs)."""
    path = os.path.join(RECIPES, dataset, SCRIPTS[kind])
    spec = importlib.util.spec_from_file_location(
        f"recipe_{dataset}_{kind}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scripts():
    """``scripts(dataset, kind)``: the recipe's entry script, imported."""
    loaded = {}

    def get(dataset, kind):
        if (dataset, kind) not in loaded:
            loaded[dataset, kind] = _load_script(dataset, kind)
        return loaded[dataset, kind]

    return get


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return tiny_pretrained_folder(str(tmp_path_factory.mktemp("pengi")),
                                  "base")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    made = {}

    def get(dataset):
        if dataset not in made:
            root = str(tmp_path_factory.mktemp(f"data_{dataset}"))
            made[dataset] = LAYOUTS[dataset](root)
        return made[dataset]

    return get


def _hparams(dataset, task, yaml):
    return os.path.join(RECIPES, dataset, task, "hparams", yaml)


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _manifest_size(folder, split):
    return len(_read(os.path.join(folder, "manifests", f"{split}.json")))


def _zeroshot(scripts, data, model, out, dataset, yaml, *extra,
              batch_size=4):
    tiny = ["--batch_size", str(batch_size)]
    if "retrieval" not in yaml:
        tiny += ["--beam_size", "1", "--max_len", "3"]
    argv = [_hparams(dataset, "zeroshot", yaml), "--data_folder",
            data(dataset), "--pretrained_source", model, "--output_folder",
            str(out), *tiny, *EXTRA.get(dataset, []), *extra]
    return scripts(dataset, "zeroshot").main(argv)


# ------------------------------------------------------------- zero-shot
@pytest.mark.parametrize("dataset,yaml,task_type", ZEROSHOT,
                         ids=[f"{d}-{y[:-5]}" for d, y, _ in ZEROSHOT])
def test_zeroshot(scripts, data, model, tmp_path, dataset, yaml, task_type):
    report = _zeroshot(scripts, data, model, tmp_path, dataset, yaml)
    saved = _read(tmp_path / "results.json")
    config = saved["config"]
    assert saved["task_type"] == config["task_type"] == task_type
    assert saved["n_items"] == _manifest_size(tmp_path, saved["split"])
    assert report["n_scored"] == saved["n_scored"]
    assert saved["n_scored"] == saved["n_items"] and saved["n_skipped"] == 0
    metrics = saved["metrics"]
    if task_type in ("classification", "multilabel"):
        assert set(metrics) == set(config["methods"])
        for values in metrics.values():
            assert 0.0 <= values["accuracy"] <= 1.0
            if task_type == "multilabel":
                assert 0.0 <= values["mAP"] <= 1.0
            else:
                assert values["n"] == saved["n_scored"]
    elif task_type == "captioning":
        values = metrics["generation"]
        for name in ("bleu_1", "bleu_4", "meteor", "rouge_l", "cider_d"):
            assert isinstance(values[name], float)
        _check_spice(values, saved["unavailable"])
    elif task_type == "aqa":
        values = metrics["generation"]
        assert 0.0 <= values["accuracy"] <= values[
            "accuracy_any_annotator"] <= 1.0
        assert values["n_yes_no"] + values["n_open"] == saved["n_scored"]
    else:
        values = metrics["retrieval"]
        assert values["n_text"] == 5 * values["n_audio"] == 5 * saved[
            "n_scored"]
        for direction in ("text_to_audio", "audio_to_text"):
            assert 0.0 <= values[f"{direction}_R@1"] <= values[
                f"{direction}_R@10"] <= 1.0
            assert f"{direction}_mAP@10" in values
    primary = saved["primary"]
    assert primary["value"] == metrics[primary["method"]][primary["metric"]]
    table = (tmp_path / "results.md").read_text()
    paper = saved["benchmark"]["pengi"]
    if paper is not None:
        row = next(line for line in table.splitlines() if line.startswith(
            f"| {primary['method']} | {primary['metric']} |"))
        assert str(paper) in row
    expected = (metrics["retrieval"]["n_text"] if task_type == "retrieval"
                else saved["n_scored"])
    predictions = _read(tmp_path / "predictions.json")
    assert set(predictions) == set(metrics)
    assert all(len(p) == expected for p in predictions.values())


def _check_spice(values, unavailable):
    try:
        find_spice()
    except FileNotFoundError:
        for name in ("spice", "spider"):
            assert values[name] is None
            assert "SPICE" in unavailable[name]
    else:
        assert isinstance(values["spider"], float)


def test_zeroshot_scores_agree_with_the_model(scripts, data, model,
                                              tmp_path):
    """The reported accuracy is the one of the model's own ranking."""
    from pengi_sb.inference import Pengi

    _zeroshot(scripts, data, model, tmp_path, "UrbanSound8K",
              "zeroshot.yaml")
    saved = _read(tmp_path / "results.json")
    predictions = _read(tmp_path / "predictions.json")["likelihood"]
    items = _read(tmp_path / "manifests" / "test.json")
    labels = _read(tmp_path / "manifests" / "labels.json")
    pengi = Pengi.from_hparams(source=model, savedir=model)
    paths = [items[i]["wav"].replace("{data_root}", data("UrbanSound8K"))
             for i in predictions]
    direct = pengi.classify_files(paths, labels, "this is a sound of",
                                  method="likelihood")
    for result, (item_id, pred) in zip(direct, predictions.items(),
                                       strict=True):
        assert result.labels[:len(pred["ranked"])] == pred["ranked"]
        assert pred["labels"] == items[item_id]["labels"]
    hits = [p["ranked"][0] in p["labels"] for p in predictions.values()]
    assert saved["metrics"]["likelihood"]["accuracy"] == pytest.approx(
        sum(hits) / len(hits))


def test_zeroshot_skips_unreadable_audio(scripts, data, model,
                                         tmp_path_factory):
    first = tmp_path_factory.mktemp("sesa_first")
    _zeroshot(scripts, data, model, first, "SESA", "zeroshot.yaml")
    items = _read(first / "manifests" / "test.json")
    broken_id = sorted(items)[0]
    root = tmp_path_factory.mktemp("sesa_broken")
    import shutil

    folder = shutil.copytree(data("SESA"), str(root / "SESA"))
    path = items[broken_id]["wav"].replace("{data_root}", folder)
    with open(path, "wb") as f:
        f.write(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 3)
    out = tmp_path_factory.mktemp("sesa_second")
    argv = [_hparams("SESA", "zeroshot", "zeroshot.yaml"), "--data_folder",
            folder, "--pretrained_source", model, "--output_folder",
            str(out), "--manifest_folder", str(first / "manifests"),
            "--skip_prep", "True", *TINY]
    scripts("SESA", "zeroshot").main(argv)
    saved = _read(out / "results.json")
    assert saved["n_skipped"] == 1 and saved["skipped"][0]["id"] == broken_id
    assert saved["n_scored"] == len(items) - 1
    assert "1 skipped" in (out / "results.md").read_text()


def test_zeroshot_debug_scores_first_batches(scripts, data, model, tmp_path):
    report = _zeroshot(scripts, data, model, tmp_path, "UrbanSound8K",
                       "zeroshot.yaml", "--debug", "--methods",
                       "[likelihood]", batch_size=2)
    assert report["n_items"] == 10
    assert report["n_selected"] == report["n_scored"] == 4
    assert list(report["metrics"]) == ["likelihood"]


# ------------------------------------------------------------ fine-tuning
@pytest.mark.parametrize("dataset,yaml,probe,n_runs", FINETUNE,
                         ids=[f"{d}-{y[:-5]}" for d, y, _, _ in FINETUNE])
def test_finetune_debug(scripts, data, model, tmp_path, dataset, yaml,
                        probe, n_runs):
    argv = [_hparams(dataset, "finetune", yaml), "--data_folder",
            data(dataset), "--pretrained_source", model, "--output_folder",
            str(tmp_path), "--debug", "--num_workers", "0", "--lr", "0.01",
            "--warmup_steps", "0", *TINY, *TUNING_EXTRA.get(dataset, [])]
    brain, report = scripts(dataset, "finetune").main(argv)
    log = (tmp_path / "train_log.txt").read_text()
    assert "train loss" in log and "test loss" in log
    tuned = tmp_path / "pretrained"
    source = tmp_path / "save" / "pretrained_source"
    for name, trained in (("audio_mapper", True), ("prompt_mapper", True),
                          ("prefix_lm", False), ("prompt_encoder", False)):
        before = torch.load(source / f"{name}.ckpt", weights_only=True)
        after = torch.load(tuned / f"{name}.ckpt", weights_only=True)
        same = all(torch.equal(before[k], after[k]) for k in before)
        assert same != trained, name
    saved = _read(tmp_path / "evaluation" / "results.json")
    assert saved["primary"]["value"] is not None
    assert saved["n_scored"] >= 1 and report["n_scored"] == saved["n_scored"]


@pytest.mark.parametrize(
    "dataset,yaml,n_runs",
    [(d, p, n) for d, _, p, n in FINETUNE if p is not None],
    ids=[f"{d}-{p[:-5]}" for d, _, p, _ in FINETUNE if p is not None])
def test_linear_probe(scripts, data, model, tmp_path, dataset, yaml, n_runs):
    argv = [_hparams(dataset, "finetune", yaml), "--data_folder",
            data(dataset), "--pretrained_source", model, "--output_folder",
            str(tmp_path), "--batch_size", "4", "--probe_epochs", "3",
            *TUNING_EXTRA.get(dataset, [])]
    report = scripts(dataset, "linear_probe").main(argv)
    saved = _read(tmp_path / "results.json")
    assert len(saved["runs"]) == n_runs == len(report["runs"])
    metric = "mAP" if saved["multilabel"] else "accuracy"
    for run in saved["runs"]:
        assert 0.0 <= run["test"].get(metric, 0.0) <= 1.0
        assert run["n_train"] > 0 and run["n_test"] > 0
        assert (tmp_path / f"probe_{run['name']}.ckpt").is_file()
    assert metric in saved["mean"]
    assert "mean ± std" in (tmp_path / "results.md").read_text()


def test_finetune_every_run(scripts, data, model, tmp_path, monkeypatch):
    """``--run_name all``: ESC-50's 5 official folds in one command, each
    trained from the same model into its own folder; the report's mean and
    std are those of the folds' own results; a failed fold is reported
    while the others run, and the same command then trains it alone,
    reusing the finished folds."""
    from pengi_sb.benchmark import finetune

    argv = [_hparams("ESC50", "finetune", "finetune.yaml"), "--data_folder",
            data("ESC50"), "--pretrained_source", model, "--output_folder",
            str(tmp_path), "--run_name", "all", "--debug", "--num_workers",
            "0", "--methods", "[likelihood]", *TINY]
    folds = [f"fold{k}" for k in range(1, 6)]
    train_one = finetune.run

    def fold2_fails(hparams, *args):
        if hparams["run_name"] == "fold2":
            raise RuntimeError("out of memory")
        return train_one(hparams, *args)

    monkeypatch.setattr(finetune, "run", fold2_fails)
    with pytest.raises(finetune.RunsFailedError, match="fold2") as failed:
        scripts("ESC50", "finetune").main(argv)
    assert [f["name"] for f in failed.value.failed] == ["fold2"]
    saved = _read(tmp_path / "results.json")
    assert [r["name"] for r in saved["runs"]] == [f for f in folds
                                                  if f != "fold2"]
    assert "out of memory" in saved["failed"][0]["error"]
    assert "Failed: fold2" in (tmp_path / "results.md").read_text()
    written = {f: os.path.getmtime(tmp_path / f / "evaluation" /
                                   "results.json")
               for f in folds if f != "fold2"}

    monkeypatch.setattr(finetune, "run", train_one)
    _, report = scripts("ESC50", "finetune").main(argv)
    saved = _read(tmp_path / "results.json")
    assert [r["name"] for r in saved["runs"]] == folds
    assert [r["reused"] for r in saved["runs"]] == [
        f != "fold2" for f in folds]
    assert saved["failed"] == [] and report["mean"] == saved["mean"]
    for fold, stamp in written.items():
        assert os.path.getmtime(tmp_path / fold / "evaluation" /
                                "results.json") == stamp
    per_fold = []
    for fold, entry in zip(folds, saved["runs"], strict=True):
        own = _read(tmp_path / fold / "evaluation" / "results.json")
        assert own["run"] == fold and own["n_scored"] == entry["n_scored"]
        assert (tmp_path / fold / "pretrained" / "hyperparams.yaml").is_file()
        per_fold.append(own["metrics"]["likelihood"]["accuracy"])
    assert sum(e["n_test"] for e in saved["runs"]) == 7
    assert saved["primary"] == "likelihood/accuracy"
    assert list(saved["mean"]) == ["likelihood/accuracy"]
    assert saved["mean"]["likelihood/accuracy"] == pytest.approx(
        sum(per_fold) / len(per_fold))
    assert saved["std"]["likelihood/accuracy"] == pytest.approx(
        float(torch.tensor(per_fold).std(unbiased=False)))
    markdown = (tmp_path / "results.md").read_text()
    assert "mean ± std" in markdown and "Failed" not in markdown
    assert all(f"| {fold} |" in markdown for fold in folds)


def test_finetune_every_development_fold(scripts, model, tmp_path):
    """TUT2017's ``--run_name all`` trains the development set's 4 folds
    (its yaml's all_runs), which need no evaluation set."""
    folder = sound.make_tut2017_layout(str(tmp_path / "data"),
                                       evaluation=False)
    out = tmp_path / "out"
    argv = [_hparams("TUT2017", "finetune", "finetune.yaml"), "--data_folder",
            folder, "--pretrained_source", model, "--output_folder",
            str(out), "--run_name", "all", "--evaluation_set", "auto",
            "--debug", "--num_workers", "0", "--methods", "[likelihood]",
            *TINY]
    _, report = scripts("TUT2017", "finetune").main(argv)
    saved = _read(out / "results.json")
    assert [r["name"] for r in saved["runs"]] == [f"fold{k}"
                                                  for k in range(1, 5)]
    assert saved["mean"]["likelihood/accuracy"] == pytest.approx(
        sum(r["test"]["likelihood/accuracy"] for r in saved["runs"]) / 4)
    assert not (out / "evaluation").exists()


# --------------------------------------------------- the real entry points
def _subprocess(args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT, HF_HUB_OFFLINE="1",
               OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_zeroshot_script_from_the_repository_root(data, model, tmp_path):
    """As the README says: relative paths, run from the repository root."""
    _subprocess(["recipes/ESC50/zeroshot/evaluate.py",
                 "recipes/ESC50/zeroshot/hparams/zeroshot.yaml",
                 "--data_folder", data("ESC50"), "--pretrained_source",
                 model, "--output_folder", str(tmp_path / "out"),
                 "--device", "cpu", *TINY], cwd=ROOT)
    saved = _read(tmp_path / "out" / "results.json")
    assert saved["n_scored"] == 7 and saved["benchmark"]["pengi"] == 0.9195
    # the experiment folder records the hparams with the shared file
    # resolved in (the include is found from the yaml, not the cwd)
    recorded = (tmp_path / "out" / "hyperparams.yaml").read_text()
    assert "shared:" in recorded and "beam_size: 1" in recorded


def test_finetune_script_from_another_folder(data, model, tmp_path):
    script = os.path.join(RECIPES, "SESA", "finetune", "train.py")
    _subprocess([script, _hparams("SESA", "finetune", "finetune.yaml"),
                 "--data_folder", data("SESA"), "--pretrained_source", model,
                 "--output_folder", str(tmp_path / "out"), "--debug",
                 "--num_workers", "0", *TINY], cwd=str(tmp_path))
    assert (tmp_path / "out" / "pretrained" / "hyperparams.yaml").is_file()
    assert (tmp_path / "out" / "evaluation" / "results.md").is_file()


# ------------------------------------------------------------- consistency
def _recipe_yamls():
    return sorted(glob.glob(os.path.join(RECIPES, "*", "*", "hparams",
                                         "*.yaml")))


def test_every_recipe_is_tested():
    zeroshot = {(p.split(os.sep)[-4], os.path.basename(p)) for p in glob.glob(
        os.path.join(RECIPES, "*", "zeroshot", "hparams", "*.yaml"))}
    assert zeroshot == {(d, y) for d, y, _ in ZEROSHOT}
    tuned = {(p.split(os.sep)[-4], os.path.basename(p)) for p in glob.glob(
        os.path.join(RECIPES, "*", "finetune", "hparams", "*.yaml"))}
    assert tuned == {(d, y) for d, y, _, _ in FINETUNE} | {
        (d, p) for d, _, p, _ in FINETUNE if p}
    table = open(os.path.join(RECIPES, "BENCHMARKS.md"),
                 encoding="utf-8").read()
    for dataset, yaml, _ in ZEROSHOT:
        assert f"{dataset}/zeroshot/hparams/{yaml}" in table


def test_recipes_are_visible_files():
    """No symlinks under recipes/; every task folder has its own entry
    script for each kind of yaml it holds, a real file that makes the
    dataset folder importable and calls the shared loop."""
    links = [os.path.join(folder, name)
             for folder, dirs, files in os.walk(RECIPES)
             for name in dirs + files
             if os.path.islink(os.path.join(folder, name))]
    assert links == []
    loops = {"zeroshot": "zeroshot", "finetune": "finetune",
             "linear_probe": "probe_recipe"}
    checked = set()
    for path in _recipe_yamls():
        task_folder = os.path.dirname(os.path.dirname(path))
        dataset = os.path.basename(os.path.dirname(task_folder))
        name = os.path.basename(path)
        kind = next(k for k in ("linear_probe", "finetune", "zeroshot")
                    if name.startswith(k))
        script = os.path.join(RECIPES, dataset, SCRIPTS[kind])
        assert os.path.dirname(script) == task_folder, path
        assert os.path.isfile(script), f"{path} has no {SCRIPTS[kind]}"
        assert os.access(script, os.X_OK), script
        text = open(script, encoding="utf-8").read()
        assert f"from pengi_sb.benchmark.{loops[kind]} import main" in text
        assert "parents[1]))" in text and "To run::" in text
        assert f"recipes/{dataset}/{SCRIPTS[kind]}" in text
        checked.add(script)
    probed = {d for d, _, p, _ in FINETUNE if p}
    assert checked == {os.path.join(RECIPES, d, SCRIPTS[kind])
                       for d in LAYOUTS for kind in SCRIPTS
                       if kind != "linear_probe" or d in probed}
    for dataset in LAYOUTS:
        for task in ("zeroshot", "finetune"):
            assert os.path.isfile(os.path.join(RECIPES, dataset, task,
                                               "README.md"))


@pytest.mark.parametrize(
    "path", _recipe_yamls(),
    ids=[os.path.relpath(p, RECIPES)[:-5] for p in _recipe_yamls()])
def test_every_yaml_loads(path):
    """Each recipe yaml loads with its shared file (placeholders given),
    keeps only what its benchmark changes, and names its own results
    folder."""
    from hyperpyyaml import load_hyperpyyaml

    from pengi_sb.benchmark.recipe_yaml import find_include, load_recipe_yaml

    dataset = os.path.relpath(path, RECIPES).split(os.sep)[0]
    folder = os.path.join(RECIPES, dataset)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    given = {"data_folder": "/data", "pretrained_source": "/model"}
    hparams, _ = load_recipe_yaml(path, given)
    stem = os.path.basename(path)[:-5]
    assert hparams["data_folder"] == "/data"
    assert hparams["output_folder"].startswith(f"results/{dataset}/{stem}/")
    assert hparams["benchmark"]["dataset"] == dataset
    assert "eval_window" not in hparams
    assert callable(hparams["prepare"])
    if not stem.startswith("linear_probe"):
        TaskConfig.from_hparams(hparams)
    if stem.startswith("finetune"):
        from pengi_sb.training.scheduler import WarmupCosineScheduler

        assert isinstance(hparams["lr_annealing"], WarmupCosineScheduler)
    # the same yaml through HyperPyYAML alone: the shared keys nested
    key, shared_file = find_include(path)
    assert os.path.dirname(shared_file).endswith(os.path.join("recipes",
                                                              "hparams"))
    with open(path, encoding="utf-8") as f:
        nested = load_hyperpyyaml(f, given)
    assert nested[key]["output_folder"] == hparams["output_folder"]
    # what the shared file already says is not repeated here
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()
                 and not line.lstrip().startswith("#")]
    assert len(lines) < 40, f"{path}: {len(lines)} lines of hparams"


def test_overrides_reach_the_shared_file(data, tmp_path):
    """A command-line key of the shared file reaches what the shared file
    builds from it; a key of neither file is refused."""
    from pengi_sb.benchmark.recipe_yaml import load_recipe_yaml

    path = _hparams("ESC50", "finetune", "finetune.yaml")
    sys.path.insert(0, os.path.join(RECIPES, "ESC50"))
    hparams, overrides = load_recipe_yaml(
        path, "data_folder: /d\npretrained_source: /p\nlr: 0.5\n"
        "subset: actions\noutput_folder: /out\nnumber_of_epochs: 3")
    assert hparams["opt_class"].keywords["lr"] == 0.5
    assert hparams["lr_annealing"].lr == 0.5
    assert hparams["epoch_counter"].limit == 3
    assert hparams["prepare"].keywords["subset"] == "actions"
    assert hparams["save_folder"] == "/out/save"
    assert "shared:" in overrides and "lr: 0.5" in overrides
    with pytest.raises(ValueError, match="'learning_rate' is not a key"):
        load_recipe_yaml(path, {"data_folder": "/d",
                                "pretrained_source": "/p",
                                "learning_rate": 0.5})


def test_protocols_and_config_errors():
    items = {f"c{i}": {"labels": ["dog" if i % 2 else "cat"]}
             for i in range(6)}
    folds = kfold_partition(items, 3, seed=1)
    assert sorted(i for f in folds for i in f) == sorted(items)
    assert all({items[i]["labels"][0] for i in f} == {"dog", "cat"}
               for f in folds)
    assert folds == kfold_partition(items, 3, seed=1)
    runs = build_runs({"protocol": "kfold", "kfold_split": "all",
                       "n_folds": 3}, {"all": items})
    assert [len(r.test) for r in runs] == [2, 2, 2]
    assert all(not set(r.train) & set(r.test) for r in runs)
    with pytest.raises(EvaluationError, match="not a prepared split"):
        build_runs({"protocol": "splits", "train_splits": ["train"],
                    "test_splits": ["nope"]}, {"train": items})
    with pytest.raises(EvaluationError, match="task_type"):
        TaskConfig(task_type="translation")
    with pytest.raises(EvaluationError, match="methods"):
        TaskConfig(task_type="classification", methods=["vote"])
    with pytest.raises(EvaluationError, match="label"):
        TaskConfig(task_type="classification", label_template="the sound")
    with pytest.raises(EvaluationError, match="not measured"):
        TaskConfig(task_type="classification", metric="mAP")
