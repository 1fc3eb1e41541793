"""Small Pengi pretrained folders for tests, built from the release hparams
with tiny sizes (real GPT-2 and CLIP vocabularies, so the real tokenizers
work) and written through the same code the converter uses."""

import os

from hyperpyyaml import load_hyperpyyaml

from pengi_sb.convert import HPARAMS_DIR, resolve_hparams, save_pretrained

TINY_OVERRIDES = {
    "sample_rate": 16000, "clip_seconds": 1.0, "n_fft": 512,
    "hop_length": 160, "mel_bins": 16, "mel_sample_rate": 16000,
    "mel_fmin": 0.0, "mel_fmax": 8000.0, "htsat_spec_size": 64,
    "htsat_patch_size": 4, "htsat_patch_stride": [4, 4],
    "htsat_embed_dim": 8, "htsat_depths": [1, 1], "htsat_num_heads": [1, 2],
    "htsat_window_size": 4, "htsat_num_classes": 0, "audio_latent_dim": 16,
    "d_proj": 24, "prefix_length": 4, "clip_length": 4, "mapper_layers": 1,
    "mapper_heads": 2, "n_embd": 16,
    "gpt2_config": {"n_layer": 1, "n_head": 2, "n_positions": 128},
}
CLIP_OVERRIDES = {
    "clip_text_config": {"hidden_size": 16, "intermediate_size": 32,
                         "num_hidden_layers": 1, "num_attention_heads": 2},
    "clip_projection_dim": 16,
}


def tiny_pretrained_folder(out_dir, variant="base", seed=0):
    """Writes a random tiny Pengi of ``variant`` as a pretrained folder."""
    import torch

    torch.manual_seed(seed)
    overrides = dict(TINY_OVERRIDES)
    if variant == "base":
        overrides.update(CLIP_OVERRIDES)
    text = resolve_hparams(
        os.path.join(HPARAMS_DIR, f"pengi_{variant}.yaml"), overrides)
    hparams = load_hyperpyyaml(text)
    save_pretrained(text, hparams["modules"], out_dir)
    return out_dir
