"""Checks this implementation against a golden folder of the original code.

::

    python -m pengi_sb.conformance ../shared/golden/base_tiny

A golden folder holds ``config.json`` (the original's sizes and the beam
search results), ``reference_checkpoint.pt`` (a release-layout state dict)
and ``io.pt`` (inputs and every stage's output). The model is built through
the same conversion code users run (:func:`pengi_sb.convert.convert`, with
sizes from ``config.json``), then every stage is compared: the short-clip
tiling through the project's own audio loader, log-mel, HTS-AT latent,
embeddings, prefixes, teacher-forced logits and loss, and the batched beam
search (all clips in one call). One row per check is printed; the exit code
is 0 only if every check passes.

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import sys
import tempfile

import soundfile
import torch

from pengi_sb.data.audio import load_audio, window_waveform
from pengi_sb.convert import convert
from pengi_sb.decoding.search import beam_search

FLOAT_TOLERANCE = 1e-4
SCORE_TOLERANCE = 1e-4


def golden_overrides(config):
    """hparams overrides that give the golden model's sizes."""
    ref, htsat = config["reference_yaml"], config["htsat"]
    gpt2 = {k: v for k, v in config["gpt2"].items() if not k.startswith("_")}
    overrides = {
        "sample_rate": ref["sampling_rate"],
        "clip_seconds": float(ref["duration"]),
        "n_fft": ref["window_size"],
        "hop_length": ref["hop_size"],
        "mel_bins": ref["mel_bins"],
        "mel_sample_rate": htsat["mel_sample_rate"],
        "mel_fmin": float(htsat["mel_fmin"]),
        "mel_fmax": float(htsat["mel_fmax"]),
        "htsat_spec_size": htsat["spec_size"],
        "htsat_patch_size": htsat["patch_size"],
        "htsat_patch_stride": list(htsat["patch_stride"]),
        "htsat_embed_dim": htsat["embed_dim"],
        "htsat_depths": list(htsat["depths"]),
        "htsat_num_heads": list(htsat["num_heads"]),
        "htsat_window_size": htsat["window_size"],
        "htsat_num_classes": htsat["num_classes"],
        "audio_latent_dim": ref["out_emb"],
        "d_proj": ref["d_proj"],
        "prefix_length": ref["prefix_length"],
        "clip_length": ref["prefix_length_clip"],
        "mapper_layers": ref["num_layers"] // 2,
        "mapper_heads": config.get("mapper_heads", 8),
        "prompt_max_length": ref["enc_text_len"],
        "n_embd": gpt2["n_embd"],
        "gpt2_config": gpt2,
    }
    if ref["use_text_model"]:
        overrides["clip_text_config"] = {
            k: v for k, v in config["clip_text"].items()
            if not k.startswith("_")
        }
        overrides["clip_projection_dim"] = config["clip_projection_dim"]
    return overrides


def rel_error(ours, ref):
    """``||ours - ref|| / ||ref||`` in float64."""
    ours, ref = ours.double(), ref.double()
    if ours.shape != ref.shape:
        return float("inf")
    denom = ref.norm()
    return float((ours - ref).norm() / (denom if denom > 0 else 1.0))


def run_checks(golden_dir, work_dir):
    """Returns the list of ``(name, error, tolerance, ok)`` rows."""
    with open(os.path.join(golden_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    io = torch.load(os.path.join(golden_dir, "io.pt"), weights_only=True)
    variant = "base" if config["reference_yaml"]["use_text_model"] else (
        "base_no_text_enc")
    model = convert(
        os.path.join(golden_dir, "reference_checkpoint.pt"),
        os.path.join(work_dir, "pretrained"), variant=variant,
        overrides=golden_overrides(config),
    )
    rows = []

    def check(name, ours, ref):
        err = rel_error(ours, ref)
        rows.append((name, err, FLOAT_TOLERANCE, err <= FLOAT_TOLERANCE))

    ref_cfg = config["reference_yaml"]
    rate = ref_cfg["sampling_rate"]
    clip = int(ref_cfg["duration"] * rate)
    # the short clip goes through the project's own loader, from a file
    short_path = os.path.join(work_dir, "short.wav")
    soundfile.write(short_path, io["short_wav"].numpy(), rate,
                    subtype="FLOAT")
    tiled = window_waveform(load_audio(short_path, rate), clip)[0]
    check("short_clip_tiling", tiled, io["wav"][2])

    with torch.no_grad():
        wav = io["wav"]
        enc = model.audio_encoder
        logmel = enc.frontend(wav)
        check("logmel", logmel, io["logmel"][:, 0])
        latent = enc.encoder(logmel)
        check("audio_latent", latent, io["audio_latent"])
        audio_emb = enc.projection(latent)
        check("audio_embedding", audio_emb, io["audio_embedding"])
        check("audio_embedding_normalized",
              audio_emb / audio_emb.norm(dim=-1, keepdim=True),
              io["audio_embedding_normalized"])
        audio_prefix = model.audio_prefix(audio_emb)
        check("audio_prefix", audio_prefix, io["audio_prefix"])
        prompt_emb = model.encode_prompt(io["prompt_input_ids"],
                                         io["prompt_attention_mask"])
        check("prompt_embedding", prompt_emb, io["prompt_embedding"])
        model.normalize_prompt = False
        prompt_prefix = model.prompt_prefix(prompt_emb)
        check("prompt_prefix", prompt_prefix, io["prompt_prefix"])
        model.normalize_prompt = True
        check("prompt_prefix_normalized_path", model.prompt_prefix(prompt_emb),
              io["prompt_prefix_normalized_path"])
        model.normalize_prompt = False
        prefix = torch.cat([audio_prefix, prompt_prefix], dim=1)
        check("prefix", prefix, io["prefix"])
        logits = model.logits_from_prefix(prefix, io["target_ids"])
        check("teacher_forced_logits", logits, io["teacher_forced_logits"])
        loss = model.loss(logits, io["target_ids"])
        check("target_loss", loss, io["target_loss"])

    settings = config["beam_search"]
    beams = beam_search(
        model.prefix_lm, io["prefix"], beam_size=settings["beam_size"],
        max_len=settings["max_len"], temperature=settings["temperature"],
        stop_token_id=config["tokens"]["stop_token_id"],
    )
    for b, expected in enumerate(settings["results"]):
        got_seq = [h.tokens for h in beams[b]]
        same = got_seq == expected["sequences"]
        rows.append((f"beam_search[{b}].sequences", 0.0 if same else 1.0,
                     0.0, same))
        err = max(abs(h.score - s) for h, s in zip(beams[b],
                                                    expected["scores"]))
        rows.append((f"beam_search[{b}].scores", err, SCORE_TOLERANCE,
                     err <= SCORE_TOLERANCE and same))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m pengi_sb.conformance",
        description="Compare every stage with a golden folder of the "
        "original Pengi code.",
    )
    parser.add_argument("golden_dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        rows = run_checks(args.golden_dir, work)
    print(f"{'check':36s} {'rel_error':>11s} {'tolerance':>10s}  ok")
    for name, err, tol, ok in rows:
        print(f"{name:36s} {err:11.3e} {tol:10.1e}  {'ok' if ok else 'FAIL'}")
    failed = [r for r in rows if not r[3]]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
