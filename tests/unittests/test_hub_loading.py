"""Model folders ready for the hub: ``convert`` and ``export`` write a model
card beside ``hyperparams.yaml``, and ``Pengi.from_hparams(source=
"owner/name")`` loads such a folder through SpeechBrain's fetching from a
Hugging Face repository, here a local Hugging Face cache snapshot (offline).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from audio_fixtures import write_clip
from model_fixtures import tiny_pretrained_folder

from pengi_sb.model_card import CARD_FILE, read_card_header, write_model_card

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                      "golden")
REPO = "pengi-tests/pengi-tiny"
# run in a fresh interpreter: huggingface_hub reads HF_HUB_CACHE and
# HF_HUB_OFFLINE when it is imported. Arguments: clip, then (source,
# savedir or "") pairs; prints one JSON result per pair.
LOAD = r"""
import json, os, sys
from pengi_sb.inference import Pengi
clip, pairs = sys.argv[1], sys.argv[2:]
results = []
for source, savedir in zip(pairs[::2], pairs[1::2]):
    try:
        pengi = Pengi.from_hparams(source=source, savedir=savedir or None,
                                   run_opts={"device": "cpu"})
    except Exception as err:
        results.append({"error": type(err).__name__ + ": " + str(err)})
        continue
    out = pengi.caption_file(clip, max_len=4, beam_size=2)
    results.append({"tokens": out.tokens, "score": out.score,
                    "files": sorted(os.listdir(savedir)) if savedir else []})
print(json.dumps(results))
"""


def hub_snapshot(folder, cache, repo_id, commit=None):
    """Lays ``folder`` out as the Hugging Face cache would after
    downloading repo ``repo_id``: ``models--owner--name/blobs/<sha256>``,
    ``snapshots/<commit>/<file>`` links to the blobs, and ``refs/main``."""
    repo = os.path.join(cache, "models--" + repo_id.replace("/", "--"))
    commit = commit or hashlib.sha1(repo_id.encode()).hexdigest()
    snapshot = os.path.join(repo, "snapshots", commit)
    os.makedirs(os.path.join(repo, "blobs"))
    os.makedirs(snapshot)
    os.makedirs(os.path.join(repo, "refs"))
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        blob = os.path.join(repo, "blobs", digest)
        shutil.copyfile(os.path.join(folder, name), blob)
        os.symlink(os.path.relpath(blob, snapshot),
                   os.path.join(snapshot, name))
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(commit)
    return snapshot


def _load(clip, cache, *pairs):
    """Results of loading each ``(source, savedir)`` and captioning
    ``clip``, in one fresh process whose hub cache is ``cache``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache,
           "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    args = [x for pair in pairs for x in pair]
    proc = subprocess.run([sys.executable, "-c", LOAD, clip, *args],
                          env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A tiny model folder with its card, and a cache holding it as REPO."""
    tmp = tmp_path_factory.mktemp("hub")
    folder = tiny_pretrained_folder(str(tmp / "folder"), "base")
    write_model_card(folder, "base", 1e6, origin="a test model",
                     repo_id=REPO)
    cache = str(tmp / "hf_cache")
    hub_snapshot(folder, cache, REPO)
    clip = write_clip(str(tmp / "clip.wav"), 0.8, 16000, seed=1)
    return folder, cache, clip, tmp


def test_from_hparams_with_a_hub_repo_id(hub):
    folder, cache, clip, tmp = hub
    saved = str(tmp / "saved")
    from_folder, from_hub, in_savedir, absent = _load(
        clip, cache, (folder, folder), (REPO, ""), (REPO, saved),
        ("pengi-tests/absent", ""))
    assert "error" not in from_hub, from_hub
    assert from_hub["tokens"] == from_folder["tokens"]
    assert abs(from_hub["score"] - from_folder["score"]) < 1e-5
    # with a savedir, the fetched files are linked there
    assert in_savedir["tokens"] == from_folder["tokens"]
    assert {"hyperparams.yaml", "audio_encoder.ckpt",
            "prefix_lm.ckpt"} <= set(in_savedir["files"])
    # a repo that is neither cached nor reachable is an error
    assert "error" in absent


def test_card_header_for_the_hub(hub):
    folder = hub[0]
    header = read_card_header(os.path.join(folder, CARD_FILE))
    assert header["library_name"] == "speechbrain"
    assert header["pipeline_tag"] == "audio-text-to-text"
    assert "pengi" in header["tags"] and header["license"]
    with open(os.path.join(folder, CARD_FILE), encoding="utf-8") as f:
        text = f.read()
    assert f'Pengi.from_hparams(source="{REPO}"' in text


def test_convert_writes_a_model_card(tmp_path):
    from pengi_sb.conformance import golden_overrides
    from pengi_sb.convert import convert

    base = os.path.join(GOLDEN, "base_tiny")
    with open(os.path.join(base, "config.json")) as f:
        config = json.load(f)
    out = str(tmp_path / "converted")
    model = convert(os.path.join(base, "reference_checkpoint.pt"), out,
                    "base", overrides=golden_overrides(config))
    assert sorted(os.listdir(out))[0] == CARD_FILE
    header = read_card_header(os.path.join(out, CARD_FILE))
    assert header["license"] == "other"
    assert header["license_link"].startswith("https://zenodo.org/")
    assert "AudioCaps" in header["datasets"]
    with open(os.path.join(out, CARD_FILE), encoding="utf-8") as f:
        text = f.read()
    n = sum(p.numel() for p in {id(p): p for p in model.parameters()}
            .values())
    assert f"{n / 1e6:.1f}M parameters" in text
    assert "reference_checkpoint.pt" in text


def test_export_writes_a_model_card(tmp_path):
    from hyperpyyaml import load_hyperpyyaml

    from pengi_sb.convert import HPARAMS_DIR
    from pengi_sb.training.export import export_pretrained

    small = os.path.join(HPARAMS_DIR, "pengi_base_no_text_enc.yaml")
    train_yaml = tmp_path / "train.yaml"
    overrides = ("    n_embd: 16\n    d_proj: 24\n    mapper_layers: 1\n"
                 "    mapper_heads: 2\n    prefix_length: 4\n"
                 "    clip_length: 4\n    htsat_embed_dim: 8\n"
                 "    htsat_depths: [1, 1]\n    htsat_num_heads: [1, 2]\n"
                 "    htsat_window_size: 4\n    htsat_spec_size: 64\n"
                 "    mel_bins: 16\n    audio_latent_dim: 16\n"
                 "    htsat_num_classes: 0\n"
                 "    gpt2_config: {n_layer: 1, n_head: 2, n_positions: 64}\n")
    train_yaml.write_text(f"arch: !include:{small}\n{overrides}")
    with open(train_yaml) as f:
        hparams = load_hyperpyyaml(f)
    out = export_pretrained(str(tmp_path / "pretrained"), str(train_yaml),
                            hparams["arch"]["modules"],
                            card={"datasets": ["LocalSounds"],
                                  "results": {"accuracy": 0.9}},
                            verify=False)
    header = read_card_header(os.path.join(out, CARD_FILE))
    assert header["datasets"] == ["LocalSounds"]
    assert header["license"] == "unknown"
    with open(os.path.join(out, CARD_FILE), encoding="utf-8") as f:
        text = f.read()
    assert "train.yaml" in text and "| accuracy | 0.9 |" in text
