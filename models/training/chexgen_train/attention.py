"""Attention that runs on torch 1.13 and 2.x and exports to ONNX opset 17.

On torch >= 2 (training on the GPU) the fused kernel is used; the ONNX export and torch 1.13 use plain
matmul/softmax. `use_fused(False)` forces the plain path (export does this).
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

_FUSED = hasattr(F, "scaled_dot_product_attention")


def use_fused(enabled: bool) -> None:
    global _FUSED
    _FUSED = enabled and hasattr(F, "scaled_dot_product_attention")


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, key_mask: Optional[torch.Tensor]) -> torch.Tensor:
    """q [B,H,N,Dh], k/v [B,H,M,Dh], key_mask [B,M] (1 = attend) -> [B,H,N,Dh]."""
    if _FUSED:
        mask = None if key_mask is None else key_mask[:, None, None, :].bool()
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))  # [B,H,N,M]
    if key_mask is not None:
        scores = scores + (1.0 - key_mask[:, None, None, :].to(scores.dtype)) * -1e9
    return torch.matmul(torch.softmax(scores, dim=-1), v)


class RmsNorm(nn.Module):
    """Per-head RMS norm for queries and keys (keeps attention logits bounded; helps short bf16 runs)."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MultiHeadAttention(nn.Module):
    def __init__(self, dim: int, heads: int, context_dim: Optional[int] = None, qk_norm: bool = True):
        super().__init__()
        assert dim % heads == 0, f"width {dim} not divisible by heads {heads}"
        self.heads = heads
        self.head_dim = dim // heads
        self.to_q = nn.Linear(dim, dim)
        self.to_kv = nn.Linear(context_dim or dim, 2 * dim)
        self.out = nn.Linear(dim, dim)
        self.q_norm = RmsNorm(self.head_dim) if qk_norm else nn.Identity()
        self.k_norm = RmsNorm(self.head_dim) if qk_norm else nn.Identity()

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None,
                key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, n, d = x.shape
        ctx = x if context is None else context
        m = ctx.shape[1]
        q = self.to_q(x).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)  # [B,H,N,Dh]
        kv = self.to_kv(ctx).reshape(b, m, 2, self.heads, self.head_dim)
        k = kv[:, :, 0].transpose(1, 2)  # [B,H,M,Dh]
        v = kv[:, :, 1].transpose(1, 2)
        y = attend(self.q_norm(q), self.k_norm(k), v, key_mask)  # [B,H,N,Dh]
        return self.out(y.transpose(1, 2).reshape(b, n, d))
