"""KL autoencoder, f=8, 4 latent channels, grayscale. Plain convolutions with zero-initialised residual branches (no
normalisation layers: cheap on the CPU and trivially exportable).

Latents are normalised per channel (shift/scale measured on the training set) inside `encode_normalised` and
`decode_normalised`, which are what the ONNX graphs export, so the runtime never sees raw latents.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .config import VaeConfig


class ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


def _stage(ch: int, blocks: int) -> nn.Sequential:
    return nn.Sequential(*[ResBlock(ch) for _ in range(blocks)])


class Encoder(nn.Module):
    def __init__(self, chs: Sequence[int], latent: int, blocks: int):
        super().__init__()
        self.conv_in = nn.Conv2d(1, chs[0], 3, padding=1)
        layers = []
        for i, ch in enumerate(chs):
            layers.append(_stage(ch, blocks))
            if i < len(chs) - 1:
                layers.append(nn.Conv2d(ch, chs[i + 1], 3, stride=2, padding=1))  # halve resolution
        self.body = nn.Sequential(*layers)
        self.conv_out = nn.Conv2d(chs[-1], 2 * latent, 3, padding=1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.conv_out(F.silu(self.body(self.conv_in(x))))  # [B,2C,H/8,W/8]
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    def __init__(self, chs: Sequence[int], latent: int, blocks: int):
        super().__init__()
        self.conv_in = nn.Conv2d(latent, chs[0], 3, padding=1)
        layers = []
        for i, ch in enumerate(chs):
            layers.append(_stage(ch, blocks + (1 if i == 0 else 0)))
            if i < len(chs) - 1:
                layers.append(nn.Upsample(scale_factor=2.0, mode="nearest"))
                layers.append(nn.Conv2d(ch, chs[i + 1], 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.conv_out = nn.Conv2d(chs[-1], 1, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.conv_out(F.silu(self.body(self.conv_in(z))))  # [B,1,H,W], ~[-1,1]


class Autoencoder(nn.Module):
    def __init__(self, cfg: VaeConfig):
        super().__init__()
        assert len(cfg.encoder_channels) == 4 and len(cfg.decoder_channels) == 4, "f=8 needs 4 levels"
        self.encoder = Encoder(cfg.encoder_channels, cfg.latent_channels, cfg.blocks_per_level)
        self.decoder = Decoder(cfg.decoder_channels, cfg.latent_channels, cfg.blocks_per_level)
        self.register_buffer("latent_shift", torch.zeros(cfg.latent_channels))
        self.register_buffer("latent_scale", torch.ones(cfg.latent_channels))

    def encode_normalised(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """image [B,1,H,W] in [-1,1] -> normalised latent mean [B,4,h,w] and logvar (of the normalised latent)."""
        mean, logvar = self.encoder(image)
        shift = self.latent_shift[None, :, None, None]
        scale = self.latent_scale[None, :, None, None]
        return (mean - shift) / scale, logvar - 2.0 * torch.log(scale)

    def decode_normalised(self, z: torch.Tensor) -> torch.Tensor:
        shift = self.latent_shift[None, :, None, None]
        scale = self.latent_scale[None, :, None, None]
        return self.decoder(z * scale + shift)


class EncoderGraph(nn.Module):
    def __init__(self, vae: Autoencoder):
        super().__init__()
        self.vae = vae

    def forward(self, image: torch.Tensor):
        return self.vae.encode_normalised(image)


class DecoderGraph(nn.Module):
    def __init__(self, vae: Autoencoder):
        super().__init__()
        self.vae = vae

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return self.vae.decode_normalised(latents).clamp(-1.0, 1.0)


def reconstruction_loss(recon: torch.Tensor, target: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor,
                        cfg: VaeConfig) -> torch.Tensor:
    """L1 + L1 of finite differences (edges) + L1 of log FFT magnitudes (texture the L1 smooths away) + tiny KL."""
    l1 = (recon - target).abs().mean()
    edge = ((recon[..., 1:, :] - recon[..., :-1, :]) - (target[..., 1:, :] - target[..., :-1, :])).abs().mean() + \
           ((recon[..., :, 1:] - recon[..., :, :-1]) - (target[..., :, 1:] - target[..., :, :-1])).abs().mean()
    fr = torch.log1p(torch.abs(torch.fft.rfft2(recon.float(), norm="ortho")))
    ft = torch.log1p(torch.abs(torch.fft.rfft2(target.float(), norm="ortho")))
    fft = (fr - ft).abs().mean()
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean()
    return l1 + cfg.edge_weight * edge + cfg.fft_weight * fft + cfg.kl_weight * kl
