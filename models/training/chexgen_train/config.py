"""Size and budget presets: `tiny` (random weights, tests), `cpu` (2-core CPU, ~2 h), `gpu` (one H100 run, <= 8 min).

Every released model must fit 40 MB of fp16 weights and run one 256-px image with 20 guided steps in about 5 s on
the 2-core CPU, so the presets are sized by parameter count first (see docs/model-kit.md for the arithmetic).
"""
from dataclasses import asdict, dataclass, field, replace
from typing import Dict, Tuple

# Condition channels: anatomy masks first, then box classes. Order is part of the model contract.
MASK_CLASSES: Tuple[str, ...] = ("right_lung", "left_lung", "heart")
BOX_CLASSES: Tuple[str, ...] = ("right_lung", "left_lung", "heart", "nodule", "mass", "opacity")


@dataclass(frozen=True)
class VaeConfig:
    encoder_channels: Tuple[int, ...] = (32, 64, 128, 128)  # per resolution 256 -> 32 (f=8)
    decoder_channels: Tuple[int, ...] = (256, 128, 64, 32)  # per resolution 32 -> 256
    latent_channels: int = 4
    blocks_per_level: int = 1
    kl_weight: float = 1e-6
    edge_weight: float = 0.5
    fft_weight: float = 0.05


@dataclass(frozen=True)
class TextConfig:
    width: int = 256
    depth: int = 3
    heads: int = 4
    mlp_ratio: int = 2
    max_length: int = 64
    min_word_count: int = 2


@dataclass(frozen=True)
class DitConfig:
    width: int = 256
    depth: int = 10
    heads: int = 4
    mlp_ratio: int = 4
    patch: int = 2


@dataclass(frozen=True)
class TrainConfig:
    name: str = "gpu"
    resolution: int = 256
    vae: VaeConfig = field(default_factory=VaeConfig)
    text: TextConfig = field(default_factory=TextConfig)
    dit: DitConfig = field(default_factory=DitConfig)
    # budgets: training loops stop on whichever of time or steps comes first
    vae_seconds: float = 140.0
    vae_max_steps: int = 100_000
    vae_batch: int = 32
    vae_crop_fraction: float = 0.75  # share of the VAE budget spent on random 128-px crops (4x cheaper)
    vae_lr: float = 4e-4
    dit_seconds: float = 270.0
    dit_max_steps: int = 1_000_000
    dit_batch: int = 256
    dit_lr: float = 4e-4
    dit_lr_final: float = 1e-5  # the learning rate decays to this over the last dit_decay_fraction of the budget
    dit_decay_fraction: float = 0.0  # 0: constant after warm-up (cxr256-gpu-v1); 0.3 for the next runs
    warmup_steps: int = 200
    ema_decay: float = 0.999
    val_every_seconds: float = 30.0  # validation loss on the train carve-out (train.py --val-carve-out)
    text_dropout: float = 0.15  # classifier-free guidance: text replaced by the empty prompt
    spatial_dropout: float = 0.15  # classifier-free guidance: every mask and box channel "not given"
    channel_dropout: float = 0.3  # each given channel independently hidden, so any subset can be given
    prompt_variants: int = 12  # prompts pre-built per image and drawn at random each step
    use_pseudo_masks: bool = True  # pack v4 pseudo-label planes count as given (False: as not given)
    random_weights: bool = False  # tiny: export untrained weights
    seed: int = 0

    def to_json(self) -> Dict:
        return asdict(self)


PRESETS: Dict[str, TrainConfig] = {
    "tiny": TrainConfig(
        name="tiny",
        vae=VaeConfig(encoder_channels=(8, 8, 16, 16), decoder_channels=(16, 16, 8, 8)),
        text=TextConfig(width=32, depth=1, heads=2, max_length=64, min_word_count=1),
        dit=DitConfig(width=32, depth=2, heads=2, mlp_ratio=2),
        vae_seconds=5, dit_seconds=5, vae_batch=2, dit_batch=4, prompt_variants=2, random_weights=True,
    ),
    "cpu": TrainConfig(
        name="cpu",
        vae=VaeConfig(encoder_channels=(16, 32, 64, 64), decoder_channels=(128, 64, 32, 16)),
        text=TextConfig(width=192, depth=2, heads=3),
        dit=DitConfig(width=192, depth=8, heads=3),
        vae_seconds=2400, vae_batch=8, dit_seconds=4800, dit_batch=32, dit_lr=3e-4, ema_decay=0.998,
        dit_decay_fraction=0.3,
    ),
    "gpu": TrainConfig(name="gpu", dit_decay_fraction=0.3),
}


def preset(name: str, **overrides) -> TrainConfig:
    if name not in PRESETS:
        raise ValueError(f"config: unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(PRESETS[name], **overrides)
