"""Reads a chexgen dataset export back the way MONAI would, with nibabel (the NIfTI reader of MONAI's LoadImage).

Usage: read_dataset_export.py <export dir>
Follows dataset.json like MONAI's load_decathlon_datalist: every "image" and "label" of "training" and
"validation" joined to the folder. Prints JSON, one entry per pair in list order: the list it came from, and for
image and label: shape, dtype, NIfTI datatype code, qform/sform codes, sum of values and sha256 of the C-order bytes
of the array (axes x, y: a NIfTI reader's array is (width, height)).
"""
import hashlib
import json
import os
import sys

import nibabel
import numpy as np


def describe(path):
    image = nibabel.load(path)
    data = np.asanyarray(image.dataobj)
    header = image.header
    return {
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "datatype": int(header["datatype"]),
        "qform_code": int(header["qform_code"]),
        "sform_code": int(header["sform_code"]),
        "sum": int(data.astype(np.int64).sum()),
        "sha256": hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest(),
    }


def main(folder):
    with open(os.path.join(folder, "dataset.json")) as f:
        datalist = json.load(f)
    pairs = []
    for key in ("training", "validation"):
        for item in datalist[key]:
            pairs.append({
                "list": key,
                "image_path": item["image"],
                "image": describe(os.path.join(folder, item["image"])),
                "label": describe(os.path.join(folder, item["label"])),
            })
    print(json.dumps(pairs))


if __name__ == "__main__":
    main(sys.argv[1])
