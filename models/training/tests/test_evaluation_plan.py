"""The evaluation plan and patch windows on a tiny synthetic dataset (no shared data needed)."""
import json
import os

import numpy as np
import torch

from chexgen_train.evaluation.patches import crop_patches, patch_window
from chexgen_train.evaluation.plan import write_plan
from chexgen_train.pngio import write_png_gray

HEADER = "id,file,split,sex,age,view,findings,report_text,mask_file,mask_channels,boxes_json\n"


def _dataset(tmp_path):
    rows = []
    for i, split in enumerate(["eval", "eval", "train", "train"]):
        write_png_gray(str(tmp_path / f"im{i}.png"), np.full((256, 256), 40 * i, np.uint8))
        mask = np.zeros((256, 256), np.uint8)
        mask[50:200, 30:120] |= 1  # right lung in bit 0
        mask[50:200, 140:230] |= 2  # left lung in bit 1
        write_png_gray(str(tmp_path / f"m{i}.png"), mask)
        box = '"[{""label"": ""nodule"", ""x0"": 150, ""y0"": 60, ""x1"": 170, ""y1"": 80}]"' if i == 0 else ""
        rows.append(f"r{i},im{i}.png,{split},F,50,PA,Nodule,,m{i}.png,bit0=right_lung;bit1=left_lung,{box}\n")
    (tmp_path / "manifest.csv").write_text(HEADER + "".join(rows))


def test_when_a_plan_is_written_then_eval_conditions_drive_fid_and_train_masks_drive_downstream(tmp_path):
    _dataset(tmp_path)
    cache = tmp_path / "cache"
    os.makedirs(cache)
    path = write_plan(str(tmp_path), str(cache), count=3, downstream_count=2)
    images = json.load(open(path))["images"]
    groups = [e["group"] for e in images]
    assert groups == ["fid", "fid", "fid", "box_off", "downstream", "downstream"]
    fid = images[:3]
    assert [e["record"] for e in fid] == ["r0", "r1", "r0"] and [e["seed"] for e in fid] == [1000, 1001, 1002]
    assert fid[0]["boxes"] == [{"label": "nodule", "x0": 150.0, "y0": 60.0, "x1": 170.0, "y1": 80.0}]
    off = images[3]
    assert off["record"] == "r0" and off["seed"] == 1000 and off["boxes"] == [] and off["masks"] == fid[0]["masks"]
    assert all(e["split"] == "train" for e in images[4:]) and {e["record"] for e in images[4:]} == {"r2", "r3"}
    mask = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(cache / fid[0]["masks"][0]["file"]))
    assert fid[0]["masks"][0]["label"] == "right_lung" and mask[100, 50] == 255 and mask[100, 180] == 0
    assert fid[0]["sex"] == "F" and fid[0]["age"] == 50 and fid[0]["view"] == "PA"
    assert write_plan(str(tmp_path), str(cache), count=3, downstream_count=2) == path  # same settings: kept


def test_when_a_patch_is_cropped_then_it_is_centred_on_the_box_with_the_minimum_side():
    img = np.zeros((1, 256, 256), np.float32)
    img[0, 100:140, 60:100] = 1.0  # a 40 px square centred at (80, 120)
    win = patch_window((70, 110, 90, 130))  # 20 px box -> side max(40, 30) = 40
    assert win == (80.0, 120.0, 40.0)
    patch = crop_patches(img, [win])
    assert patch.shape == (1, 1, 48, 48)
    assert patch[0, 0, 4:44, 4:44].mean() > 0.99  # the window covers the bright square
    off = crop_patches(img, [patch_window((150, 150, 170, 170))])
    assert torch.all(off == 0)
