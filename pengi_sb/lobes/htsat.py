"""HTS-AT: a Swin transformer over the log-mel spectrogram (Chen et al. 2022).

Pengi's audio encoder. The spectrogram ``[B, T, F]`` is batch-normalised per
mel bin, resized to ``[spec_size * freq_ratio, spec_size / freq_ratio]`` by
bicubic interpolation and folded into a ``spec_size x spec_size`` image
(``freq_ratio`` time chunks stacked along the frequency axis). Four Swin
stages with patch merging follow; the audio feature is the mean of the
final normed tokens, ``[B, embed_dim * 2 ** (stages - 1)]``. Parameter names
follow the release checkpoints, so they load without renaming.

Example
-------
>>> enc = HTSAT(mel_bins=16, spec_size=64, embed_dim=8, depths=(1, 1),
...             num_heads=(1, 2), window_size=4, num_classes=5)
>>> enc(torch.randn(2, 100, 16)).shape
torch.Size([2, 16])

Authors
 * pengi-sb developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn


def window_partition(x, window):
    """``[B, H, W, C]`` -> ``[B, nW, window * window, C]``."""
    b, h, w, c = x.shape
    x = x.view(b, h // window, window, w // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(b, -1, window * window, c)


def window_merge(windows, window, h, w):
    """Inverse of :func:`window_partition`: -> ``[B, H, W, C]``."""
    b, _, _, c = windows.shape
    x = windows.view(b, h // window, w // window, window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, c)


def relative_position_index(window):
    """``[N, N]`` index into the ``(2w-1)^2`` relative-bias table."""
    ar = torch.arange(window, device="cpu")
    coords = torch.stack(
        torch.meshgrid(ar, ar, indexing="ij")
    ).flatten(1)  # [2, N]
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    rel = rel + (window - 1)
    return rel[..., 0] * (2 * window - 1) + rel[..., 1]


def shifted_window_mask(h, w, window, shift):
    """``[nW, N, N]`` additive mask (0 / -100) for shifted windows."""
    region = torch.zeros(1, h, w, 1, device="cpu")
    spans = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    label = 0
    for hs in spans:
        for ws in spans:
            region[:, hs, ws, :] = label
            label += 1
    ids = window_partition(region, window).squeeze(-1)[0]  # [nW, N]
    diff = ids.unsqueeze(1) - ids.unsqueeze(2)
    return torch.zeros_like(diff).masked_fill(diff != 0, -100.0)


class DropPath(nn.Module):
    """Stochastic depth: drops the residual branch per sample in training."""

    def __init__(self, p=0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = torch.rand(x.shape[0], *([1] * (x.dim() - 1)),
                          device=x.device) >= self.p
        return x * keep / (1 - self.p)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside windows, with relative position bias.

    Input ``[B, nW, N, C]`` (N = window * window tokens), same output shape.
    """

    def __init__(self, dim, window, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window - 1) ** 2, num_heads)
        )
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.register_buffer(
            "relative_position_index", relative_position_index(window),
            persistent=False,
        )
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b, nw, n, c = x.shape
        h = self.num_heads
        qkv = self.qkv(x).view(b, nw, n, 3, h, c // h)
        q, k, v = qkv.permute(3, 0, 1, 4, 2, 5)  # each [B, nW, h, N, c/h]
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)
        ].view(n, n, h).permute(2, 0, 1)  # [h, N, N]
        if mask is not None:
            bias = bias.unsqueeze(0) + mask.unsqueeze(1)  # [nW, h, N, N]
        # explicit attention: with an additive bias on many small windows
        # it is faster on the CPU than scaled_dot_product_attention's math
        # path, and it is the original's arithmetic
        attn = torch.matmul(q * (c // h) ** -0.5, k.transpose(-1, -2))
        attn = (attn + bias.to(attn.dtype)).softmax(dim=-1)
        out = torch.matmul(attn, v)  # [B, nW, h, N, c/h]
        return self.proj(out.transpose(2, 3).reshape(b, nw, n, c))


class SwinMLP(nn.Module):
    """``fc2(gelu(fc1(x)))``."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class SwinBlock(nn.Module):
    """(Shifted-)window attention + MLP, pre-norm, residual.

    Input and output ``[B, H * W, C]`` for a grid of ``resolution = (H, W)``.
    """

    def __init__(self, dim, resolution, num_heads, window, shift,
                 mlp_ratio=4.0, drop_path=0.0):
        super().__init__()
        self.resolution = resolution
        if min(resolution) <= window:  # one window covers the whole grid
            window, shift = min(resolution), 0
        self.window, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = SwinMLP(dim, int(dim * mlp_ratio))
        self.drop_path = DropPath(drop_path)
        mask = shifted_window_mask(*resolution, window, shift) if shift else None
        self.register_buffer("attn_mask", mask, persistent=False)

    def forward(self, x):
        h, w = self.resolution
        b, _, c = x.shape
        y = self.norm1(x).view(b, h, w, c)
        if self.shift:
            y = torch.roll(y, (-self.shift, -self.shift), dims=(1, 2))
        y = self.attn(window_partition(y, self.window), self.attn_mask)
        y = window_merge(y, self.window, h, w)
        if self.shift:
            y = torch.roll(y, (self.shift, self.shift), dims=(1, 2))
        x = x + self.drop_path(y.reshape(b, h * w, c))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 neighbouring tokens -> one: ``[B, H*W, C]`` -> ``[B, H*W/4, 2C]``."""

    def __init__(self, resolution, dim):
        super().__init__()
        self.resolution = resolution
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        h, w = self.resolution
        b, _, c = x.shape
        x = x.view(b, h, w, c)
        x = torch.cat(
            [x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2],
             x[:, 1::2, 1::2]], dim=-1,
        )
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class SwinStage(nn.Module):
    """``depth`` Swin blocks (every second one shifted), then merging."""

    def __init__(self, dim, resolution, depth, num_heads, window, mlp_ratio,
                 drop_paths, downsample):
        super().__init__()
        self.blocks = nn.ModuleList(
            SwinBlock(dim, resolution, num_heads, window,
                      shift=0 if i % 2 == 0 else window // 2,
                      mlp_ratio=mlp_ratio, drop_path=drop_paths[i])
            for i in range(depth)
        )
        self.downsample = PatchMerging(resolution, dim) if downsample else None

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.downsample(x) if self.downsample is not None else x


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch x patch`` patches -> ``[B, (S/p)^2, C]``."""

    def __init__(self, patch_size, patch_stride, embed_dim):
        super().__init__()
        padding = ((patch_size - patch_stride[0]) // 2,
                   (patch_size - patch_stride[1]) // 2)
        self.proj = nn.Conv2d(1, embed_dim, patch_size, patch_stride, padding)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x):
        return self.norm(self.proj(x).flatten(2).transpose(1, 2))


class HTSAT(nn.Module):
    """HTS-AT encoder: log-mel ``[B, T, mel_bins]`` -> ``[B, num_features]``.

    Arguments
    ---------
    mel_bins : int
        Mel bins of the input (64).
    spec_size : int
        Side of the square image the spectrogram is folded into (256).
    patch_size : int
        Patch side (4).
    patch_stride : tuple of int
        Patch stride (4, 4).
    embed_dim : int
        Width of the first stage (96); doubles at every stage.
    depths : tuple of int
        Swin blocks per stage ((2, 2, 6, 2)).
    num_heads : tuple of int
        Attention heads per stage ((4, 8, 16, 32)).
    window_size : int
        Attention window side (8).
    mlp_ratio : float
        MLP width relative to the stage width (4).
    drop_path_rate : float
        Largest stochastic-depth rate (linearly increasing over blocks).
    num_classes : int
        Classes of the TSCAM tagging head (527 AudioSet classes); 0 for none.
    """

    def __init__(self, mel_bins=64, spec_size=256, patch_size=4,
                 patch_stride=(4, 4), embed_dim=96, depths=(2, 2, 6, 2),
                 num_heads=(4, 8, 16, 32), window_size=8, mlp_ratio=4.0,
                 drop_path_rate=0.1, num_classes=527):
        super().__init__()
        self.spec_size = spec_size
        self.freq_ratio = spec_size // mel_bins
        self.mel_bins = mel_bins
        self.num_features = embed_dim * 2 ** (len(depths) - 1)
        patch_stride = tuple(patch_stride)
        self.bn0 = nn.BatchNorm2d(mel_bins)
        self.patch_embed = PatchEmbed(patch_size, patch_stride, embed_dim)
        grid = (spec_size // patch_stride[0], spec_size // patch_stride[1])
        n_blocks = sum(depths)  # stochastic depth grows linearly to the rate
        rates = [drop_path_rate * i / max(n_blocks - 1, 1)
                 for i in range(n_blocks)]
        self.layers = nn.ModuleList()
        for i, depth in enumerate(depths):
            start = sum(depths[:i])
            self.layers.append(SwinStage(
                dim=embed_dim * 2**i,
                resolution=(grid[0] // 2**i, grid[1] // 2**i),
                depth=depth, num_heads=num_heads[i], window=window_size,
                mlp_ratio=mlp_ratio, drop_paths=rates[start:start + depth],
                downsample=i < len(depths) - 1,
            ))
        self.norm = nn.LayerNorm(self.num_features)
        self.final_grid = (grid[0] // 2 ** (len(depths) - 1),
                           grid[1] // 2 ** (len(depths) - 1))
        if num_classes:
            freq_tokens = self.final_grid[0] // self.freq_ratio
            self.tscam_conv = nn.Conv2d(self.num_features, num_classes,
                                        (freq_tokens, 3), padding=(0, 1))
            self.head = nn.Linear(num_classes, num_classes)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def to_image(self, logmel):
        """``[B, T, F]`` -> normalised, resized and folded ``[B, 1, S, S]``."""
        x = self.bn0(logmel.transpose(1, 2)[..., None]).squeeze(-1)
        x = x.transpose(1, 2).unsqueeze(1)  # [B, 1, T, F]
        target_t = self.spec_size * self.freq_ratio
        target_f = self.spec_size // self.freq_ratio
        t, f = x.shape[2], x.shape[3]
        if t > target_t or f > target_f:
            raise ValueError(
                f"HTSAT takes at most {target_t} frames x {target_f} mel bins "
                f"(got {t} x {f}); window longer audio first "
                "(pengi_sb.data.audio.window_waveform)"
            )
        if t < target_t or f < target_f:
            x = F.interpolate(x, (target_t, target_f), mode="bicubic",
                              align_corners=True)
        b = x.shape[0]
        x = x.transpose(2, 3).reshape(b, 1, target_f, self.freq_ratio, -1)
        return x.transpose(2, 3).reshape(b, 1, self.spec_size, self.spec_size)

    def tokens(self, logmel):
        """Final normed tokens ``[B, n_tokens, num_features]``."""
        x = self.patch_embed(self.to_image(logmel))
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)

    def forward(self, logmel):
        """``logmel [B, T, F]`` -> latent ``[B, num_features]`` (token mean)."""
        return self.tokens(logmel).mean(dim=1)

    def clipwise_output(self, logmel):
        """AudioSet tag probabilities ``[B, num_classes]`` (TSCAM head)."""
        x = self.tokens(logmel)
        b, _, c = x.shape
        sf, st = self.final_grid
        x = x.transpose(1, 2).reshape(b, c, sf, st)
        bins = sf // self.freq_ratio
        x = x.reshape(b, c, self.freq_ratio, bins, st).transpose(2, 3)
        x = self.tscam_conv(x.reshape(b, c, bins, -1)).flatten(2)
        return torch.sigmoid(x.mean(dim=2))
