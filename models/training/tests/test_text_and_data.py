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
