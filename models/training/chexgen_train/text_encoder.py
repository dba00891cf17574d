"""Small pre-norm transformer over word tokens, trained jointly with the DiT (no pretrained text model is reachable)."""
import torch
import torch.nn.functional as F
from torch import nn

from .attention import MultiHeadAttention
from .config import TextConfig


class TextBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = MultiHeadAttention(width, heads)
        self.norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width * mlp_ratio)
        self.fc2 = nn.Linear(width * mlp_ratio, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), key_mask=mask)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class TextEncoder(nn.Module):
    def __init__(self, cfg: TextConfig, vocab_size: int):
        super().__init__()
        self.token = nn.Embedding(vocab_size, cfg.width)
        self.position = nn.Parameter(torch.zeros(1, cfg.max_length, cfg.width))
        nn.init.normal_(self.token.weight, std=0.02)
        nn.init.normal_(self.position, std=0.01)
        self.blocks = nn.ModuleList([TextBlock(cfg.width, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(cfg.width)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """input_ids [B,L] int64, attention_mask [B,L] int64 -> text_embeddings [B,L,D]."""
        mask = attention_mask.to(torch.float32)
        x = self.token(input_ids) + self.position[:, : input_ids.shape[1]]  # [B,L,D]
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x)
