"""The evaluation plan and patch windows on a tiny synthetic dataset (no shared data needed)."""
import json
import os

import numpy as np
import torch

from chexgen_train.evaluation.patches import crop_patches, patch_window
from chexgen_train.data import read_manifest
from chexgen_train.evaluation.carve_out import carve_out_ids
from chexgen_train.evaluation.downstream_design import DEFORMATIONS
from chexgen_train.evaluation.plan import PAIRED_FINDINGS, SWEEP_SPATIAL, SWEEP_TEXT, write_plan, write_sweep_plan
from chexgen_train.pngio import write_png_gray

HEADER = "id,file,split,patient_id,sex,age,view,findings,report_text,mask_file,mask_channels,boxes_json\n"
IDS = ["nih_r0", "nih_r1", "jsrt_r2", "jsrt_r3", "nih_r4", "nih_r5"]
SPLITS = ["eval", "eval", "train", "train", "train", "train"]


def _dataset(tmp_path):
    rows = []
    for i, (rid, split) in enumerate(zip(IDS, SPLITS)):
        write_png_gray(str(tmp_path / f"im{i}.png"), np.full((256, 256), 40 * i, np.uint8))
        mask = np.zeros((256, 256), np.uint8)
        mask[50:200, 30:120] |= 1  # right lung in bit 0
        mask[50:200, 140:230] |= 2  # left lung in bit 1
        mask[120:190, 100:170] |= 4  # heart in bit 2
        write_png_gray(str(tmp_path / f"m{i}.png"), mask)
        box = '"[{""label"": ""nodule"", ""x0"": 150, ""y0"": 60, ""x1"": 170, ""y1"": 80}]"' if i == 0 else ""
        rows.append(f"{rid},im{i}.png,{split},p{i},{'F' if i % 2 else 'M'},50,PA,Nodule,,m{i}.png,"
                    f"bit0=right_lung;bit1=left_lung;bit2=heart,{box}\n")
    (tmp_path / "manifest.csv").write_text(HEADER + "".join(rows))


def test_when_a_plan_is_written_then_every_group_gets_its_conditions(tmp_path):
    _dataset(tmp_path)
    cache = tmp_path / "cache"
    os.makedirs(cache)
    path = write_plan(str(tmp_path), str(cache), count=3, train_copy_count=2)
    images = json.load(open(path))["images"]
    groups = [e["group"] for e in images]
    assert groups[:4] == ["fid", "fid", "fid", "box_off"]
    fid = images[:3]
    assert [e["record"] for e in fid] == ["nih_r0", "nih_r1", "nih_r0"] and [e["seed"] for e in fid] == [1000, 1001, 1002]
    assert fid[0]["boxes"] == [{"label": "nodule", "x0": 150.0, "y0": 60.0, "x1": 170.0, "y1": 80.0}]
    off = images[3]  # fid-0002 is nih_r0 again with its box, but box_off pairs every boxed fid image
    assert off["record"] == "nih_r0" and off["seed"] == 1000 and off["boxes"] == [] and off["masks"] == fid[0]["masks"]
    assert groups.count("box_off") == 2
    mask = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(cache / fid[0]["masks"][0]["file"]))
    assert fid[0]["masks"][0]["label"] == "right_lung" and mask[100, 50] == 255 and mask[100, 180] == 0
    assert fid[0]["sex"] == "M" and fid[0]["age"] == 50 and fid[0]["view"] == "PA"
    assert write_plan(str(tmp_path), str(cache), count=3, train_copy_count=2) == path  # same settings: kept


def test_when_pairs_are_planned_then_only_the_prompt_differs_inside_a_pair(tmp_path):
    _dataset(tmp_path)
    images = json.load(open(write_plan(str(tmp_path), str(tmp_path / "c"), count=2, train_copy_count=0)))["images"]
    paired = [e for e in images if e["group"] == "paired"]
    pairs = {}
    for e in paired:
        pairs.setdefault(e["pair"], []).append(e)
    assert len(pairs) == 2  # both eval records have sex, age and a frontal view
    for arms in pairs.values():
        assert [a["arm"] for a in arms] == ["normal", *PAIRED_FINDINGS, "other_sex"]
        assert len({a["seed"] for a in arms}) == 1 and all(a["masks"] == [] and a["boxes"] == [] for a in arms)
        assert len({(a["text"], a["sex"]) for a in arms}) == len(arms)
        normal, other = arms[0], arms[-1]
        assert other["text"] == normal["text"] and other["sex"] != normal["sex"] and other["age"] == normal["age"]


def test_when_downstream_pairs_are_planned_then_they_use_deformed_masks_of_jsrt_train_records_only(tmp_path):
    _dataset(tmp_path)
    cache = tmp_path / "c"
    images = json.load(open(write_plan(str(tmp_path), str(cache), count=2, train_copy_count=2)))["images"]
    down = [e for e in images if e["group"] == "downstream"]
    assert {e["record"] for e in down} == {"jsrt_r2", "jsrt_r3"} and len(down) == 2 * DEFORMATIONS
    from PIL import Image
    original = np.asarray(Image.open(tmp_path / "m2.png")) & 1
    deformed = np.asarray(Image.open(cache / down[0]["masks"][0]["file"])) > 0
    assert down[0]["masks"][0]["label"] == "right_lung" and {m["label"] for m in down[0]["masks"]} == {"right_lung", "left_lung", "heart"}
    assert (deformed != original.astype(bool)).mean() > 0.005  # moved
    assert 0.7 < deformed.sum() / original.sum() < 1.4  # but still a lung of about that size
    copies = [e for e in images if e["group"] == "train_copy"]
    assert len(copies) == 2 and all(e["split"] == "train" and e["masks"] for e in copies)


def test_when_the_sweep_is_planned_then_it_uses_carve_out_records_at_every_setting(tmp_path):
    _dataset(tmp_path)
    images = json.load(open(write_sweep_plan(str(tmp_path), str(tmp_path / "s"))))["images"]
    trains = read_manifest(str(tmp_path), "train")
    held = carve_out_ids(trains, read_manifest(str(tmp_path), "eval"))
    assert images and {e["record"] for e in images} <= held
    assert {(e["guidance"], e["spatialGuidance"]) for e in images} == {(t, s) for t in SWEEP_TEXT for s in SWEEP_SPATIAL}


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
