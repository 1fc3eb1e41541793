"""Training Pengi with SpeechBrain: overfitting, resuming after a kill,
DDP on CPU, unreadable audio, the Pretrain recipe's debug run, and the
learning-rate schedule.

The subprocess tests run ``recipes/Pretrain/train.py`` (through
``run_pretrain.py``, which also writes a result file per rank) on the tiny
corpus of ``tiny_corpus.py``. They are marked ``slow`` (select or skip them
with ``-m slow`` / ``-m "not slow"``) and run by default. Every test runs
with one thread per process: on a loaded 2-core machine two OpenMP threads
per process thrash (a tiny model's step then takes 30 times longer).
"""

import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
import speechbrain as sb
import torch
import yaml
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger
from tiny_corpus import VOCAB_SIZE, write_corpus

from pengi_sb.training.brain import PengiBrain, generation_stats
from pengi_sb.training.scheduler import WarmupCosineScheduler
from pengi_sb.data.pipeline import PengiDataset, train_tokenizer
from pengi_sb.data.manifest import read_manifest
from pengi_sb.text.tokenizers import tokenizers_from_hparams

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SMALL = os.path.join(ROOT, "pengi_sb", "hparams", "pengi_small.yaml")
RECIPE_YAML = os.path.join(ROOT, "recipes", "Pretrain", "hparams",
                           "pretrain_small.yaml")
RUNNER = os.path.join(HERE, "run_pretrain.py")

# pengi_small shrunk to a test model (0.2M parameters, 1 s clips), without
# dropout so that a resumed run can be compared with an uninterrupted one
TINY = {
    "clip_seconds": 1.0, "htsat_spec_size": 64, "htsat_embed_dim": 16,
    "htsat_depths": [1, 1], "htsat_num_heads": [2, 4],
    "audio_latent_dim": 32, "d_proj": 64, "n_embd": 64, "mapper_layers": 1,
    "mapper_heads": 2, "htsat_drop_path_rate": 0.0, "projection_dropout": 0.0,
    "gpt2_config": {"n_layer": 1, "n_head": 2, "resid_pdrop": 0.0,
                    "embd_pdrop": 0.0, "attn_pdrop": 0.0},
}


def _flow(value):
    """A value as one-line yaml (a command-line override)."""
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_setup(root, sizes=None, **corrupt):
    """Corpus, tokenizer and the tiny model, in-process."""
    manifests, corpus = write_corpus(root, sizes, **corrupt)
    items = read_manifest(os.path.join(manifests, "LocalSounds",
                                       "train.json"),
                          data_root=os.path.join(corpus, "LocalSounds"))
    spm = train_tokenizer([it[k] for it in items.values()
                           for k in ("target", "prompt")],
                          os.path.join(root, "tok"), VOCAB_SIZE)
    overrides = dict(TINY, vocab_size=VOCAB_SIZE,
                     prompt_tokenizer_source=spm,
                     decoder_tokenizer_source=spm)
    with open(SMALL, encoding="utf-8") as f:
        arch = load_hyperpyyaml(f, overrides)
    prompt_tok, target_tok = tokenizers_from_hparams(arch)
    kwargs = {"prompt_tokenizer": prompt_tok, "target_tokenizer": target_tok,
              "sample_rate": arch["sample_rate"],
              "clip_seconds": arch["clip_seconds"],
              "prompt_max_length": arch["prompt_max_length"]}
    return arch, items, target_tok, kwargs


def test_overfits_four_clips(tmp_path, one_thread):
    """150 steps on 4 clips: the loss goes from ln(30) = 3.4 to below
    0.05, and greedy decoding gives back every target text."""
    torch.manual_seed(0)
    arch, items, tok, kwargs = tiny_setup(str(tmp_path), {"train": 4})
    steps = 150
    brain = PengiBrain(
        modules={"model": arch["model"]},
        opt_class=lambda p: torch.optim.AdamW(p, lr=3e-3),
        hparams={"lr_annealing": WarmupCosineScheduler(3e-3, 10, steps),
                 "epoch_counter": EpochCounter(steps),
                 "test_generate": True, "search": "greedy",
                 "max_decode_len": 12, "caption_metrics": []},
        run_opts={"device": "cpu", "noprogressbar": True,
                  "max_grad_norm": 1.0},
        tokenizer=tok,
    )
    brain.fit(brain.hparams.epoch_counter, PengiDataset(items, train=True,
                                                       **kwargs),
              train_loader_kwargs={"batch_size": 4})
    assert brain.optimizer_step == steps
    assert brain.hparams.lr_annealing.n_steps == steps
    assert brain.stage_stats[sb.Stage.TRAIN]["loss"] < 0.05
    brain.evaluate(PengiDataset(items, train=False, **kwargs),
                   test_loader_kwargs={"batch_size": 4})
    stats = brain.stage_stats[sb.Stage.TEST]
    assert stats["loss"] < 0.05 and stats["token_acc"] == 1.0
    assert stats["text_acc"] == 1.0
    assert {g["hypothesis"] for g in brain.generated} == {
        it["target"] for it in items.values()}


def test_unreadable_audio_is_skipped_and_counted(tmp_path, one_thread,
                                                 caplog):
    """Two bad files (one corrupt, one missing) side by side: their batch
    of 2 is left empty and skipped; every epoch counts 2, the train log
    says so, and training completes."""
    torch.manual_seed(0)
    arch, items, tok, kwargs = tiny_setup(
        str(tmp_path), {"train": 8}, corrupt=("train2",),
        missing=("train3",))
    log = tmp_path / "train_log.txt"
    brain = PengiBrain(
        modules={"model": arch["model"]},
        opt_class=lambda p: torch.optim.AdamW(p, lr=1e-3),
        hparams={"epoch_counter": EpochCounter(2),
                 "train_logger": FileTrainLogger(str(log))},
        run_opts={"device": "cpu", "noprogressbar": True},
    )
    with caplog.at_level(logging.WARNING):
        brain.fit(brain.hparams.epoch_counter,
                  PengiDataset(items, train=True, **kwargs),
                  train_loader_kwargs={"batch_size": 2})
    assert brain.optimizer_step == 2 * 3  # 4 batches per epoch, 1 empty
    assert brain.stage_stats[sb.Stage.TRAIN]["skipped_audio"] == 2
    text = log.read_text()
    assert text.count("skipped_audio: 2") == 2, text
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "skipped 2 item(s) with unreadable audio" in messages
    assert "train3" in messages and "does not exist" in messages
    assert "cannot be decoded" in messages


def test_scheduler_schedule_and_checkpoint(tmp_path):
    """Linear warm-up then cosine to min_lr; save / load keeps the step."""
    sched = WarmupCosineScheduler(lr=1.0, warmup_steps=4, total_steps=10,
                                  min_lr=0.1)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=5.0)
    lrs = [sched(opt)[1] for _ in range(12)]
    assert lrs[:4] == [0.25, 0.5, 0.75, 1.0]
    assert lrs[9] == pytest.approx(0.1) and lrs[11] == pytest.approx(0.1)
    assert lrs[3:] == sorted(lrs[3:], reverse=True)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    sched.save(tmp_path / "s.ckpt")
    other = WarmupCosineScheduler(lr=1.0, warmup_steps=4)
    other.load(tmp_path / "s.ckpt")
    assert other.n_steps == 12 and other.total_steps == 10
    with pytest.raises(ValueError, match="min_lr"):
        WarmupCosineScheduler(lr=1.0, warmup_steps=1, min_lr=2.0)


def test_generation_stats_scores_captions_and_answers():
    records = [
        {"task": "captioning", "hypothesis": "a dog barks",
         "target": "a dog barks", "references": ["a dog barks"]},
        {"task": "captioning", "hypothesis": "rain",
         "target": "rain falls", "references": ["rain falls", "rain"]},
        {"task": "emotion", "hypothesis": "The happy.", "target": "happy",
         "references": ["happy"]},
    ]
    stats = generation_stats(records, ("bleu_1", "cider_d"), tokenize=False)
    assert stats["text_acc"] == 1.0
    assert stats["bleu_1"] > 0.5 and stats["cider_d"] > 0


# --------------------------------------------------------------- recipe runs
def _recipe_args(tmp_path, out, extra=(), num_workers=0):
    manifests, corpus = os.path.join(tmp_path, "manifests"), os.path.join(
        tmp_path, "corpus")
    return [RECIPE_YAML, "--manifest_folder", manifests,
            "--corpus_folder", corpus, "--output_folder", str(out),
            "--vocab_size", str(VOCAB_SIZE), "--num_workers",
            str(num_workers), "--device", "cpu", "--noprogressbar", *extra]


def _tiny_args(tmp_path, out, extra=()):
    return _recipe_args(tmp_path, out, [
        "--arch", _flow(TINY), "--contrastive_dropout", "0.0",
        "--batch_size", "2", "--warmup_steps", "4",
        "--valid_generate_every", "0", "--test_generate", "False",
        *extra])


def _env():
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")


def _run(args, timeout=240, launcher=(sys.executable,)):
    """Runs the recipe; on a timeout, kills its whole process group (the
    processes torchrun started too)."""
    proc = subprocess.Popen([*launcher, RUNNER, *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"timed out after {timeout} s: {err[-3000:]}")
    assert proc.returncode == 0, out[-3000:] + err[-5000:]


def _result(out, rank=0):
    with open(os.path.join(out, f"result_rank{rank}.json")) as f:
        return json.load(f)


def _loadable(path):
    """True once ``path`` is a complete torch file (the optimizer state is
    the last file a checkpoint writes)."""
    try:
        torch.load(path, weights_only=True)
    except (OSError, RuntimeError, EOFError):
        return False
    return True


def _complete_intra_checkpoints(save_folder, min_optimizer_step):
    """Intra-epoch checkpoints (path, brain state) with every file written
    and at least ``min_optimizer_step`` optimizer steps."""
    found = []
    if not os.path.isdir(save_folder):
        return found
    for name in sorted(os.listdir(save_folder)):
        ckpt = os.path.join(save_folder, name)
        if not name.startswith("CKPT+") or not _loadable(
            os.path.join(ckpt, "optimizer.ckpt")
        ):
            continue
        try:  # the run deletes older checkpoints as it goes
            with open(os.path.join(ckpt, "CKPT.yaml")) as f:
                meta = yaml.safe_load(f)
            with open(os.path.join(ckpt, "brain.ckpt")) as f:
                state = yaml.safe_load(f)
        except FileNotFoundError:
            continue
        if not meta.get("brain_intra_epoch_ckpt"):
            continue
        if state["optimizer_step"] >= min_optimizer_step:
            found.append((ckpt, state))
    return found


@pytest.mark.slow
def test_resume_after_kill_continues_from_checkpoint(tmp_path):
    """A run killed (SIGKILL) after an intra-epoch checkpoint of its second
    epoch restarts from that checkpoint (same epoch, batch and optimizer
    step, the scheduler in step) and ends exactly like an uninterrupted
    run: same optimizer step count, same parameters."""
    write_corpus(str(tmp_path), {"train": 24, "valid": 4})
    extra = ["--number_of_epochs", "2", "--test_mixture", "null",
             "--ckpt_interval_steps", "5", "--ckpt_interval_minutes", "0"]
    full = tmp_path / "full"
    _run(_tiny_args(tmp_path, full, extra))
    reference = _result(full)
    assert reference["optimizer_step"] == 24  # 2 epochs x 12 batches

    out = tmp_path / "killed"
    # the run holds still after its first checkpoint at step >= 13, so the
    # kill always lands mid-epoch 2 (never after the run has finished)
    proc = subprocess.Popen(
        [sys.executable, RUNNER, *_tiny_args(tmp_path, out, extra)],
        env=dict(_env(), PENGI_TEST_HOLD_AFTER_STEP="13"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    try:
        while not _complete_intra_checkpoints(out / "save", 13):
            assert proc.poll() is None, "finished before the kill: " + \
                proc.stderr.read()[-3000:]
            assert time.time() < deadline, "no intra-epoch checkpoint"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    checkpoints = _complete_intra_checkpoints(out / "save", 13)
    _, state = checkpoints[-1]
    assert 12 < state["optimizer_step"] < 24 and state["step"] > 0
    assert not (out / "result_rank0.json").exists()

    _run(_tiny_args(tmp_path, out, extra))
    resumed = _result(out)
    assert resumed["resumed_at"] == {"epoch": 1, "step": state["step"],
                                     "optimizer_step":
                                         state["optimizer_step"]}
    assert resumed["optimizer_step"] == reference["optimizer_step"]
    assert resumed["scheduler_step"] == reference["scheduler_step"] == 24
    assert resumed["param_hash"] == reference["param_hash"]


def test_resuming_another_model_definition_says_what_to_do(tmp_path):
    """An output folder whose checkpoints belong to another model is not
    resumed with PyTorch's key list alone: the error names the folder and
    the way out."""
    write_corpus(str(tmp_path), {"train": 4, "valid": 2})
    out = tmp_path / "run"
    extra = ["--number_of_epochs", "1", "--test_mixture", "null"]
    _run(_tiny_args(tmp_path, out, extra))
    other = dict(TINY, n_embd=32)
    args = _recipe_args(tmp_path, out, [
        "--arch", _flow(other), "--contrastive_dropout", "0.0",
        "--batch_size", "2", "--warmup_steps", "4",
        "--valid_generate_every", "0", "--test_generate", "False",
        "--number_of_epochs", "2", "--test_mixture", "null"])
    proc = subprocess.run([sys.executable, RUNNER, *args], env=_env(),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode != 0
    said = proc.stdout + proc.stderr
    assert "written by a different model definition" in said
    assert str(out / "save") in said and "--output_folder" in said


@pytest.mark.slow
def test_ddp_two_processes_end_with_identical_parameters(tmp_path):
    """torchrun, 2 processes, gloo on CPU (--debug): each process trains on
    its own part of every epoch (their BatchNorm statistics, which DDP
    does not average, end different) and both end with the same
    parameters."""
    write_corpus(str(tmp_path), {"train": 8, "valid": 2})
    out = tmp_path / "ddp"
    # no test stage: it would load the best checkpoint into both processes
    _run(_tiny_args(tmp_path, out, ["--debug", "--distributed_backend",
                                    "gloo", "--test_mixture", "null"]),
         launcher=(sys.executable, "-m", "torch.distributed.run",
                   "--standalone", "--nproc_per_node=2"))
    ranks = [_result(out, r) for r in (0, 1)]
    assert ranks[0]["optimizer_step"] == ranks[1]["optimizer_step"] == 4
    assert ranks[0]["param_hash"] == ranks[1]["param_hash"]
    assert ranks[0]["buffer_hash"] != ranks[1]["buffer_hash"]
    assert (out / "pretrained" / "prefix_lm.ckpt").is_file()


@pytest.mark.slow
def test_pretrain_recipe_debug_run_exports_a_loadable_model(tmp_path):
    """The Pretrain recipe with pretrain_small.yaml as it is (the 8M
    model, 2 DataLoader workers, beam search and PTB-tokenised caption
    metrics at test) in --debug mode; its exported folder loads with
    Pengi.from_hparams and captions a file."""
    write_corpus(str(tmp_path))
    out = tmp_path / "small"
    _run(_recipe_args(tmp_path, out, ["--debug", "--batch_size", "4"],
                      num_workers=2))
    result = _result(out)
    assert result["optimizer_step"] == 4  # 2 epochs x 2 debug batches
    test = result["stage_stats"]["TEST"]
    assert {"loss", "token_acc", "text_acc", "bleu_4", "rouge_l",
            "cider_d"} <= set(test)
    log = (out / "train_log.txt").read_text()
    assert "epoch: 2" in log and "test loss" in log
    generated = json.loads((out / "generations_test.json").read_text())
    assert len(generated) == 4
    pretrained = out / "pretrained"
    assert sorted(os.listdir(pretrained)) == [
        "README.md", "audio_encoder.ckpt", "audio_mapper.ckpt",
        "hyperparams.yaml",
        "prefix_lm.ckpt", "prompt_mapper.ckpt", "tokenizer.ckpt"]
    text = (pretrained / "hyperparams.yaml").read_text()
    assert "!include" not in text and str(tmp_path) not in text

    from pengi_sb.inference import Pengi

    pengi = Pengi.from_hparams(source=str(pretrained),
                               savedir=str(tmp_path / "loaded"))
    wav = tmp_path / "corpus" / "LocalSounds" / "test" / "test0.wav"
    result = pengi.caption_file(str(wav))
    assert isinstance(result.text, str) and result.tokens


def test_warm_start_loads_gpt2_and_clip_weights(tmp_path):
    """The paper's start: GPT-2 and the CLIP text tower from saved
    Hugging Face models (local folders here); sizes must match."""
    from transformers import (
        CLIPConfig,
        CLIPModel,
        GPT2Config,
        GPT2LMHeadModel,
    )

    from pengi_sb.training.warm_start import load_pretrained_weights
    from pengi_sb.lobes.pengi import tiny_pengi

    model = tiny_pengi(vocab_size=50)
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=64,
                                      n_embd=16, n_layer=1, n_head=2))
    gpt2.save_pretrained(tmp_path / "gpt2")
    text = {"vocab_size": 50, "hidden_size": 16, "intermediate_size": 32,
            "num_hidden_layers": 1, "num_attention_heads": 2,
            "max_position_embeddings": 16, "eos_token_id": 2}
    vision = {"hidden_size": 16, "intermediate_size": 32,
              "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": 32, "patch_size": 16}
    clip = CLIPModel(CLIPConfig(text_config=text, vision_config=vision,
                                projection_dim=16))
    clip.save_pretrained(tmp_path / "clip")
    load_pretrained_weights(model, str(tmp_path / "gpt2"),
                            str(tmp_path / "clip"))
    assert torch.equal(model.prefix_lm.gpt.transformer.wte.weight,
                       gpt2.transformer.wte.weight)
    encoder = model.prompt_encoder
    assert torch.equal(encoder.text_projection.weight,
                       clip.text_projection.weight)
    ours = encoder.text_model.state_dict()
    for key, value in clip.text_model.state_dict().items():
        assert torch.equal(ours[key], value), key
    bigger = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=64,
                                        n_embd=32, n_layer=1, n_head=2))
    bigger.save_pretrained(tmp_path / "gpt2_big")
    with pytest.raises(ValueError, match="does not fit the model"):
        load_pretrained_weights(model, str(tmp_path / "gpt2_big"))


def test_export_refuses_what_it_cannot_write(tmp_path):
    """Modules that differ from the definition, or a SentencePiece model
    without its file, stop the export with a message saying why."""
    from pengi_sb.training.export import ExportError, export_pretrained

    train_yaml = tmp_path / "train.yaml"
    train_yaml.write_text(f"arch: !include:{SMALL}\n    vocab_size: 30\n")
    with open(train_yaml) as f:
        arch = load_hyperpyyaml(f)["arch"]
    modules = dict(arch["modules"])
    with pytest.raises(ExportError, match="tokenizer_file"):
        export_pretrained(str(tmp_path / "a"), str(train_yaml), modules)
    del modules["prompt_mapper"]
    with pytest.raises(ExportError, match="differ from the trained"):
        export_pretrained(str(tmp_path / "b"), str(train_yaml), modules)
    with pytest.raises(ExportError, match="no 'model' key"):
        export_pretrained(str(tmp_path / "c"), str(train_yaml),
                          arch["modules"], model_key="model")


@pytest.mark.slow
def test_pretrain_recipe_trains_from_shards(tmp_path):
    """With train_shards set, the recipe streams WebDataset shards (written
    by pengi_sb.data.shards from the same manifest) instead of the manifests."""
    from pengi_sb.data.manifest import read_manifest
    from pengi_sb.data.shards import write_shards

    manifests, corpus = write_corpus(str(tmp_path))
    items = read_manifest(
        os.path.join(manifests, "LocalSounds", "train.json"),
        data_root=os.path.join(corpus, "LocalSounds"))
    shards = str(tmp_path / "shards")
    write_shards(items, shards, sample_rate=16000,
                 window_seconds=TINY["clip_seconds"], fmt="npy",
                 items_per_shard=4)
    out = tmp_path / "sharded"
    _run(_tiny_args(tmp_path, out, ["--train_shards", shards,
                                    "--augment", "null",
                                    "--number_of_epochs", "1"]))
    result = _result(out)
    # one epoch over every shard window, in batches of 2
    n_windows = sum(s["nsamples"] for s in json.load(
        open(os.path.join(shards, "index.json")))["shardlist"])
    assert result["optimizer_step"] == -(-n_windows // 2)
    assert (out / "pretrained" / "prefix_lm.ckpt").exists()
