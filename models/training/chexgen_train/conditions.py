"""Condition planes on the training device: unpack bit-packed masks, rasterise boxes, apply CFG dropout.

Box rasterisation rule (shared with server/src/synthesis/rasterize.ts): pixel (row r, col c) is inside a box when its
centre (c + 0.5, r + 0.5) satisfies x0 <= c + 0.5 < x1 and y0 <= r + 0.5 < y1, coordinates in model pixels.
"""
import torch

from .config import BOX_CLASSES


def unpack_masks(bits: torch.Tensor) -> torch.Tensor:
    """bits uint8 [B,K,H,W/8] (little bit order) -> float [B,K,H,W] in {0,1}."""
    shifts = torch.arange(8, device=bits.device, dtype=torch.uint8)
    planes = (bits[..., None] >> shifts) & 1  # [B,K,H,W/8,8]
    return planes.reshape(*bits.shape[:-1], bits.shape[-1] * 8).float()


def rasterize_boxes(boxes: torch.Tensor, size: int) -> torch.Tensor:
    """boxes float [B,M,5] = (class index or -1, x0, y0, x1, y1) -> [B,len(BOX_CLASSES),size,size] in {0,1}."""
    centres = torch.arange(size, device=boxes.device, dtype=torch.float32) + 0.5
    x0, y0, x1, y1 = (boxes[..., i, None] for i in range(1, 5))  # [B,M,1]
    inside_x = (centres >= x0) & (centres < x1)  # [B,M,W]
    inside_y = (centres >= y0) & (centres < y1)  # [B,M,H]
    inside = (inside_y[..., :, None] & inside_x[..., None, :]).float()  # [B,M,H,W]
    onehot = torch.nn.functional.one_hot((boxes[..., 0].long() + 1).clamp(min=0), len(BOX_CLASSES) + 1)[..., 1:]
    planes = torch.einsum("bmk,bmhw->bkhw", onehot.float(), inside)  # [B,K,H,W]
    return planes.clamp(max=1.0)


def drop_conditions(present: torch.Tensor, spatial_p: float, channel_p: float) -> torch.Tensor:
    """present [B,K] -> with every channel hidden for spatial_p of samples, and each channel for channel_p."""
    b, k = present.shape
    keep_sample = (torch.rand(b, 1, device=present.device) >= spatial_p).float()
    keep_channel = (torch.rand(b, k, device=present.device) >= channel_p).float()
    return present.float() * keep_sample * keep_channel


def drop_text(ids: torch.Tensor, p: float, bos_id: int = 2) -> torch.Tensor:
    """ids [B,L] -> the empty prompt ([<bos>, <pad>...]) for p of samples."""
    drop = torch.rand(ids.shape[0], 1, device=ids.device) < p
    empty = torch.zeros_like(ids)
    empty[:, 0] = bos_id
    return torch.where(drop, empty, ids)
