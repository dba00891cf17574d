"""A second, independent source-frame reader of a BINARY SEG, on pydicom (the library highdicom is built on).

Usage: seg_pixels_by_source_image.py <seg.dcm> <source SOPInstanceUID>
Prints JSON: {"referencedInstances": [...], "segments": {"<number>": {"label", "pixels", "sha256"}}} where pixels
counts the 1s and sha256 hashes the segment's 0/1 bytes on the source image (row-major). Follows highdicom's
get_pixels_by_source_instance: per-frame DerivationImageSequence > SourceImageSequence must name the source and say
SpatialLocationsPreserved YES; the frame's segment is its SegmentIdentificationSequence > ReferencedSegmentNumber.
"""
import hashlib
import json
import sys

import numpy as np
import pydicom


def main(path, source_uid):
    seg = pydicom.dcmread(path)
    rows, columns, frames = int(seg.Rows), int(seg.Columns), int(getattr(seg, "NumberOfFrames", 1))
    area = rows * columns
    bits = np.unpackbits(np.frombuffer(seg.PixelData, dtype=np.uint8), bitorder="little")[: frames * area]
    bits = bits.reshape(frames, rows, columns)
    labels = {int(s.SegmentNumber): str(s.SegmentLabel) for s in seg.SegmentSequence}
    referenced = [
        str(inst.ReferencedSOPInstanceUID)
        for series in getattr(seg, "ReferencedSeriesSequence", [])
        for inst in getattr(series, "ReferencedInstanceSequence", [])
    ]
    found = {}
    for index, frame in enumerate(seg.PerFrameFunctionalGroupsSequence):
        sources = [s for d in getattr(frame, "DerivationImageSequence", []) for s in getattr(d, "SourceImageSequence", [])]
        if not any(str(s.ReferencedSOPInstanceUID) == source_uid and getattr(s, "SpatialLocationsPreserved", None) == "YES" for s in sources):
            continue
        number = int(frame.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        found[number] = found.get(number, np.zeros((rows, columns), dtype=np.uint8)) | bits[index]
    segments = {
        str(number): {"label": labels.get(number), "pixels": int(mask.sum()), "sha256": hashlib.sha256(mask.astype(np.uint8).tobytes()).hexdigest()}
        for number, mask in sorted(found.items())
    }
    print(json.dumps({"referencedInstances": referenced, "segments": segments}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
