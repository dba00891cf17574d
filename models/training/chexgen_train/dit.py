"""DiT denoiser (patch 2) with PixArt-style adaLN-single timestep conditioning, cross-attention to text tokens, and
spatial condition channels (anatomy masks + finding/anatomy boxes) at image resolution, downsampled in the graph.

Each condition channel k arrives as a {0,1} plane plus a present flag. Inside the graph the plane becomes
(2*plane - 1) * present: +1 inside, -1 outside, 0 "not given", so "given and empty" differs from "not given".
The present vector also enters the global conditioning vector.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .attention import MultiHeadAttention
from .config import DitConfig


def sincos_2d(width: int, grid: int) -> torch.Tensor:
    """Fixed 2D sin-cos position embedding [1, grid*grid, width] (DiT/MAE)."""
    assert width % 4 == 0
    omega = 1.0 / 10000 ** (np.arange(width // 4, dtype=np.float64) / (width / 4.0))
    ys, xs = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64), indexing="ij")

    def emb(pos: np.ndarray) -> np.ndarray:
        out = np.outer(pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    table = np.concatenate([emb(ys), emb(xs)], axis=1)
    return torch.from_numpy(table).float()[None]


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """t [B] in [0,1] (1 = pure noise) -> [B, dim]; scaled by 1000 so frequencies match the usual DDPM range."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = (t.float() * 1000.0)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class DitBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: int, text_width: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)  # affine kept: opset 17 + affine-free LayerNorm exports invalid graphs
        self.attn = MultiHeadAttention(width, heads)
        self.norm_cross = nn.LayerNorm(width)
        self.cross = MultiHeadAttention(width, heads, context_dim=text_width)
        self.norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width * mlp_ratio)
        self.fc2 = nn.Linear(width * mlp_ratio, width)
        self.table = nn.Parameter(torch.randn(6, width) / width ** 0.5)  # adaLN-single per-block offsets

    def forward(self, x, mod, text, text_mask):
        b, _, d = x.shape
        m = self.table[None] + mod.reshape(b, 6, d)  # [B,6,D]
        shift1, scale1, gate1 = m[:, 0:1], m[:, 1:2], m[:, 2:3]
        shift2, scale2, gate2 = m[:, 3:4], m[:, 4:5], m[:, 5:6]
        x = x + gate1 * self.attn(self.norm1(x) * (1 + scale1) + shift1)
        x = x + self.cross(self.norm_cross(x), context=text, key_mask=text_mask)
        h = self.norm2(x) * (1 + scale2) + shift2
        return x + gate2 * self.fc2(F.gelu(self.fc1(h)))


class ConditionEncoder(nn.Module):
    """K planes at image resolution -> one token-grid embedding [B, D, H/16, W/16] (4 stride-2 convs, last zeroed)."""

    def __init__(self, channels: int, width: int, downsample_log2: int):
        super().__init__()
        chs = [channels] + [min(32 * 2 ** i, width) for i in range(downsample_log2 - 1)] + [width]
        layers = []
        for i in range(downsample_log2):
            layers.append(nn.Conv2d(chs[i], chs[i + 1], 3, stride=2, padding=1))
            if i < downsample_log2 - 1:
                layers.append(nn.SiLU())
        self.net = nn.Sequential(*layers)
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, planes: torch.Tensor) -> torch.Tensor:
        return self.net(planes)


class Dit(nn.Module):
    def __init__(self, cfg: DitConfig, latent_channels: int, latent_size: int, image_size: int,
                 condition_channels: int, text_width: int):
        super().__init__()
        d, p = cfg.width, cfg.patch
        self.cfg = cfg
        self.latent_channels = latent_channels
        self.grid = latent_size // p
        self.patch_embed = nn.Conv2d(latent_channels, d, p, stride=p)
        self.register_buffer("pos", sincos_2d(d, self.grid), persistent=False)
        down = image_size // self.grid
        assert down & (down - 1) == 0, "image size / token grid must be a power of two"
        self.condition = ConditionEncoder(condition_channels, d, int(math.log2(down)))
        self.t_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.text_pool = nn.Linear(text_width, d)
        self.present_embed = nn.Linear(condition_channels, d)
        self.t_block = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.blocks = nn.ModuleList([DitBlock(d, cfg.heads, cfg.mlp_ratio, text_width) for _ in range(cfg.depth)])
        self.final_norm = nn.LayerNorm(d)
        self.final_table = nn.Parameter(torch.randn(2, d) / d ** 0.5)
        self.final = nn.Linear(d, p * p * latent_channels)
        self._init()

    def _init(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.t_block[1].weight)
        nn.init.zeros_(self.t_block[1].bias)
        nn.init.zeros_(self.final.weight)
        nn.init.zeros_(self.final.bias)
        nn.init.zeros_(self.present_embed.weight)
        for block in self.blocks:  # cross-attention starts as a no-op so early training is a plain DiT
            nn.init.zeros_(block.cross.out.weight)
        nn.init.zeros_(self.condition.net[-1].weight)

    def forward(self, latents, timestep, text_embeddings, attention_mask, condition, condition_present):
        """latents [B,4,h,w], timestep [B] in [0,1], text_embeddings [B,L,Dt], attention_mask [B,L] int64,
        condition [B,K,H,W] in {0,1}, condition_present [B,K] in {0,1} -> velocity [B,4,h,w]."""
        b = latents.shape[0]
        p, c, g = self.cfg.patch, self.latent_channels, self.grid
        text_mask = attention_mask.to(torch.float32)  # [B,L]
        present = condition_present.to(torch.float32)  # [B,K]
        planes = (condition.to(torch.float32) * 2.0 - 1.0) * present[:, :, None, None]  # [B,K,H,W]
        x = self.patch_embed(latents)  # [B,D,g,g]
        x = x + self.condition(planes)  # [B,D,g,g]
        x = x.flatten(2).transpose(1, 2) + self.pos  # [B,N,D]
        pooled = (text_embeddings * text_mask[:, :, None]).sum(1) / text_mask.sum(1, keepdim=True).clamp(min=1.0)
        vec = self.t_mlp(timestep_embedding(timestep, x.shape[-1])) + self.text_pool(pooled) + \
            self.present_embed(present)  # [B,D]
        mod = self.t_block(vec)  # [B,6D]
        for block in self.blocks:
            x = block(x, mod, text_embeddings, text_mask)
        shift, scale = (self.final_table[None] + vec[:, None]).chunk(2, dim=1)  # [B,1,D] each
        x = self.final(self.final_norm(x) * (1 + scale) + shift)  # [B,N,p*p*C]
        x = x.reshape(b, g, g, p, p, c).permute(0, 5, 1, 3, 2, 4)  # [B,C,g,p,g,p]
        return x.reshape(b, c, g * p, g * p)
