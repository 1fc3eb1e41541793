"""Release-checkpoint conversion: key mapping and every refusal path."""

import os
import subprocess
import sys

import pytest
import torch

from pengi_sb.conformance import golden_overrides
from pengi_sb.convert import ConversionError, convert

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                      "golden")
BASE = os.path.join(GOLDEN, "base_tiny")
NO_TEXT = os.path.join(GOLDEN, "no_text_enc_tiny")


def _overrides(folder):
    import json

    with open(os.path.join(folder, "config.json")) as f:
        return golden_overrides(json.load(f))


def _state(folder):
    return torch.load(os.path.join(folder, "reference_checkpoint.pt"),
                      weights_only=True)["model"]


def _save(state, path):
    torch.save({"model": state}, path)
    return str(path)


@pytest.fixture(scope="module")
def base_state():
    return _state(BASE)


def test_converts_with_module_prefix(tmp_path, base_state):
    path = _save({"module." + k: v for k, v in base_state.items()},
                 tmp_path / "ddp.pth")
    model = convert(path, tmp_path / "out", "base", overrides=_overrides(BASE))
    files = sorted(os.listdir(tmp_path / "out"))
    assert files == ["README.md", "audio_encoder.ckpt", "audio_mapper.ckpt",
                     "hyperparams.yaml", "prefix_lm.ckpt",
                     "prompt_encoder.ckpt", "prompt_mapper.ckpt"]
    ref = base_state["caption_decoder.gpt.transformer.wte.weight"]
    assert torch.equal(model.prefix_lm.gpt.transformer.wte.weight, ref)
    # the module checkpoints hold the same tensors
    lm = torch.load(tmp_path / "out" / "prefix_lm.ckpt", weights_only=True)
    assert torch.equal(lm["gpt.transformer.wte.weight"], ref)


def test_variant_is_detected(tmp_path):
    model = convert(os.path.join(NO_TEXT, "reference_checkpoint.pt"),
                    tmp_path / "out", overrides=_overrides(NO_TEXT))
    assert model.prompt_encoder is None


def test_unknown_key_is_named(tmp_path, base_state):
    state = dict(base_state)
    state["caption_decoder.extra_head.weight"] = torch.zeros(2)
    path = _save(state, tmp_path / "bad.pth")
    with pytest.raises(ConversionError, match="caption_decoder.extra_head"):
        convert(path, tmp_path / "out", "base", overrides=_overrides(BASE))


def test_missing_key_is_named(tmp_path, base_state):
    state = {k: v for k, v in base_state.items()
             if k != "caption_decoder.audio_project.prefix_const"}
    path = _save(state, tmp_path / "bad.pth")
    with pytest.raises(ConversionError,
                       match=r"missing 1 key\(s\): audio_mapper.prefix_const"):
        convert(path, tmp_path / "out", "base", overrides=_overrides(BASE))


def test_wrong_variant(tmp_path):
    with pytest.raises(ConversionError, match="use --variant base_no_text_enc"):
        convert(os.path.join(NO_TEXT, "reference_checkpoint.pt"),
                tmp_path / "out", "base", overrides=_overrides(BASE))


def test_wrong_sizes_are_named(tmp_path):
    with pytest.raises(ConversionError, match="sizes differ"):
        convert(os.path.join(BASE, "reference_checkpoint.pt"),
                tmp_path / "out", "base",
                overrides={**_overrides(BASE), "d_proj": 64})


def test_truncated_file(tmp_path):
    data = open(os.path.join(BASE, "reference_checkpoint.pt"), "rb").read()
    path = tmp_path / "cut.pth"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConversionError, match="truncated"):
        convert(str(path), tmp_path / "out", "base")


def test_empty_and_missing_file(tmp_path):
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(ConversionError, match="empty"):
        convert(str(tmp_path / "empty.pth"), tmp_path / "out")
    with pytest.raises(ConversionError, match="does not exist"):
        convert(str(tmp_path / "nope.pth"), tmp_path / "out")


def test_command_line_reports_errors(tmp_path):
    (tmp_path / "x.pth").write_bytes(b"not a checkpoint")
    proc = subprocess.run(
        [sys.executable, "-m", "pengi_sb.convert", str(tmp_path / "x.pth"),
         str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "x.pth" in proc.stderr
