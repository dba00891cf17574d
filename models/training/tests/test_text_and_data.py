import json
import random

import numpy as np

from chexgen_train.data import normalise_findings, parse_mask_channels
from chexgen_train.pack import _encode_image, decode_image
from chexgen_train.prompts import ReportCorpus, findings_text, prefix
from chexgen_train.tokenizer import WordTokenizer, split_words


def test_when_text_is_split_then_only_ascii_is_lowercased_and_digits_stand_alone():
    assert split_words("Age 63, ÉTAT: nodule!") == ["age", "6", "3", ",", "É", "tat", ":", "nodule", "!"]


def test_when_encoding_then_bos_first_unknown_mapped_and_padded():
    tok = WordTokenizer(["<pad>", "<unk>", "<bos>", "lung", "."], 6)
    assert tok.encode("Lung zebra.") == ([2, 3, 1, 4, 0, 0], [1, 1, 1, 1, 0, 0])
    assert tok.encode("lung " * 10)[0] == [2, 3, 3, 3, 3, 3]
    assert WordTokenizer.from_json(tok.to_json()).vocab == tok.vocab
    assert json.loads(tok.to_json())["pattern"] == r"[a-z]+|[0-9]|[^ \t\n\r\f\va-z0-9]"


def test_when_labels_are_normalised_then_synonyms_and_diagnoses_collapse():
    assert normalise_findings("nodule;malignant;lung cancer(adenocarcinoma)") == ["nodule"]
    assert normalise_findings("No Finding") == ["normal"]
    assert normalise_findings("COVID-19 (patient-level;no image-level findings released)") == ["covid-19"]
    assert normalise_findings("Streptococcus;Pleural_Thickening") == ["pneumonia", "pleural thickening"]


def test_when_mask_channels_are_parsed_then_retrocardiac_lungs_map_to_lungs_and_clavicles_are_ignored():
    spec = "bit0=right_lung_incl_retrocardiac;bit1=left_lung_incl_retrocardiac;bit3=right_clavicle"
    assert parse_mask_channels(spec) == {0: "right_lung", 1: "left_lung"}


def test_when_prompts_are_built_then_prefix_order_is_fixed_and_parts_optional():
    assert prefix("F", 63, "PA") == "sex: female, age: 63, view: PA."
    assert prefix(None, 40, None) == "age: 40."
    assert prefix(None, None, None) == ""
    text = findings_text(["cardiomegaly", "effusion"], random.Random(1))
    assert text.endswith(".") and len(text) > 10


def test_when_report_sentences_are_indexed_then_negated_ones_are_left_out(tmp_path):
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("uid,split,findings,impression,mesh_major\n"
                        "1,train,Small left pleural effusion.,No pneumothorax.,Pleural Effusion\n"
                        "2,train,The heart is normal. Lungs are clear.,Normal chest.,normal\n"
                        "3,eval,Large effusion.,,Pleural Effusion\n")
    corpus = ReportCorpus.load(str(csv_path), split="train")
    assert corpus.sentences["effusion"] == ["Small left pleural effusion."]
    assert "Lungs are clear." in corpus.sentences["normal"]
    assert corpus.sentences["pneumothorax"] == []


def test_when_an_image_is_packed_then_it_decodes_losslessly():
    a = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)
    assert np.array_equal(decode_image(_encode_image(a), 32), a)


def test_when_a_declared_mask_plane_is_empty_then_training_treats_it_as_unknown(tmp_path):
    from PIL import Image

    from chexgen_train.data import Record, load_mask_planes

    mask = np.zeros((8, 8), np.uint8)
    mask[2:6, 1:3] = 1  # bit0 right lung painted; bit2 heart declared but empty
    Image.fromarray(mask).save(tmp_path / "m.png")
    rec = Record(id="r", file="", split="train", sex=None, age=None, view=None, findings=[], report_text="",
                 report_source="", mask_file=str(tmp_path / "m.png"), mask_bits={0: "right_lung", 2: "heart"})
    planes, present = load_mask_planes(rec, 8, require_pixels=True)
    assert present.tolist() == [1, 0, 0] and planes[0].sum() == 8
    _, declared = load_mask_planes(rec, 8)
    assert declared.tolist() == [1, 0, 1]  # the evaluation plan's (unchanged) reading


def test_when_a_pack_is_built_with_pseudo_masks_then_they_fill_only_missing_planes_and_are_marked(tmp_path):
    from chexgen_train.config import preset
    from chexgen_train.pack import MASK_SOURCES, build_pack, load_pack
    from chexgen_train.pngio import write_png_gray

    header = "id,file,split,findings,mask_file,mask_channels,mask_source\n"
    rows = []
    for i, (source, bits) in enumerate((("manual (SCR)", "bit0=right_lung;bit1=left_lung;bit2=heart"),
                                         ("model-generated (lungVAE)", "bit0=right_lung;bit1=left_lung;bit2=heart"),
                                         ("", ""))):
        write_png_gray(str(tmp_path / f"i{i}.png"), np.full((256, 256), 60 + i, np.uint8))
        mask = np.zeros((256, 256), np.uint8)
        mask[40:200, 30:110] |= 1
        mask[40:200, 150:230] |= 2
        if i == 0:
            mask[120:190, 100:170] |= 4  # only the manual row has a heart
        write_png_gray(str(tmp_path / f"m{i}.png"), mask)
        mask_file = f"m{i}.png" if bits else ""
        rows.append(f"r{i},i{i}.png,train,normal,{mask_file},{bits},{source}\n")
    (tmp_path / "manifest.csv").write_text(header + "".join(rows))
    pseudo = np.zeros((3, 3, 256, 256), np.uint8)
    pseudo[:, :, 100:150, 100:150] = 1  # a square where the predictor "sees" every structure
    np.savez(tmp_path / "pseudo.npz", ids=np.array(["r0", "r1", "r2"]),
             masks_bits=np.packbits(pseudo, axis=-1, bitorder="little"), present=np.ones((3, 3), np.uint8))
    cfg = preset("tiny")
    build_pack(str(tmp_path), "", cfg, str(tmp_path / "pack.npz"), pseudo_masks=str(tmp_path / "pseudo.npz"))
    pack = load_pack(str(tmp_path / "pack.npz"))
    src = [[MASK_SOURCES[k] for k in row] for row in pack["mask_source"]]
    assert src == [["manual"] * 3, ["data_model", "data_model", "pseudo_label"], ["pseudo_label"] * 3]
    assert pack["mask_present"].tolist() == [[1, 1, 1]] * 3
    planes = np.unpackbits(pack["masks_bits"], axis=-1, bitorder="little")
    assert planes[0, 2, 130, 130] == 1 and planes[0, 2, 170, 160] == 1  # manual heart kept (not the square)
    assert planes[0, 0, 100, 50] == 1 and planes[1, 0, 100, 50] == 1  # data lungs kept
    assert planes[1, 2].sum() == 2500 and planes[2, 0].sum() == 2500  # filled from the pseudo-labels


def test_when_a_pseudo_label_has_specks_and_holes_then_only_its_largest_component_filled_remains():
    from chexgen_train.pseudo_masks import largest_component

    plane = np.zeros((32, 32), np.uint8)
    plane[4:20, 4:20] = 1
    plane[10, 10] = 0  # a hole
    plane[25:27, 25:27] = 1  # a speck
    out = largest_component(plane)
    assert out[10, 10] == 1 and out[25, 25] == 0 and out.sum() == 256
