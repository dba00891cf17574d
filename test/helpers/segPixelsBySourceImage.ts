import type { NaturalizedDataset } from '../../server/src/dicom/WriterContext.js';

type Item = Record<string, unknown>;
const items = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : value ? [value as Item] : []);

/** One row of highdicom's frame reference table: SEG frame (1-based) -> the source instance (and frame) it derives from. */
export type FrameReference = { frame: number; sopInstanceUid: string; sourceFrame: number | null; locationsPreserved: string | null };

/** Every per-frame SourceImageSequence reference of a SEG, as highdicom tabulates them (FrameReferenceLUT). */
export function frameReferences(seg: NaturalizedDataset): FrameReference[] {
  return items(seg.PerFrameFunctionalGroupsSequence).flatMap((frameItem, f) =>
    items(frameItem.DerivationImageSequence).flatMap((derivation) =>
      items(derivation.SourceImageSequence).map((source) => ({
        frame: f + 1,
        sopInstanceUid: String(source.ReferencedSOPInstanceUID),
        sourceFrame: source.ReferencedFrameNumber === undefined ? null : Number(source.ReferencedFrameNumber),
        locationsPreserved: source.SpatialLocationsPreserved === undefined ? null : String(source.SpatialLocationsPreserved),
      })),
    ),
  );
}

/**
 * A source-frame reader of a BINARY SEG, written after highdicom's `Segmentation.get_pixels_by_source_instance`
 * (highdicom/seg/sop.py, image.py): the SEG frames whose per-frame DerivationImageSequence > SourceImageSequence
 * names the source instance AND says SpatialLocationsPreserved YES (frames that do not say so are filtered out,
 * frames that say NO are an error), each mapped to its segment by SegmentIdentificationSequence >
 * ReferencedSegmentNumber, bits unpacked LSB first. A source not referenced at all is an error, as in highdicom.
 * Returns segment number -> that segment's pixels on the source image (0/1, row-major).
 */
export function segPixelsBySourceImage(seg: NaturalizedDataset, sourceSopInstanceUid: string): Map<number, Uint8Array> {
  const references = frameReferences(seg);
  if (references.length === 0) throw new Error('indexing via source frames is not possible: the SEG records no source frames');
  const mine = references.filter((r) => r.sopInstanceUid === sourceSopInstanceUid);
  if (mine.length === 0) throw new Error(`SOP Instance UID ${sourceSopInstanceUid} matches no referenced source instance`);
  if (mine.some((r) => r.locationsPreserved !== null && r.locationsPreserved !== 'YES')) throw new Error('a frame says spatial locations are not preserved');
  const rows = Number(seg.Rows);
  const columns = Number(seg.Columns);
  const area = rows * columns;
  const data = Array.isArray(seg.PixelData) ? seg.PixelData[0] : seg.PixelData;
  const bits = new Uint8Array(data as ArrayBuffer);
  const perFrame = items(seg.PerFrameFunctionalGroupsSequence);
  const shared = items(seg.SharedFunctionalGroupsSequence)[0];
  const pixels = new Map<number, Uint8Array>();
  for (const { frame } of mine.filter((r) => r.locationsPreserved === 'YES')) {
    const identification = items(perFrame[frame - 1]?.SegmentIdentificationSequence)[0] ?? items(shared?.SegmentIdentificationSequence)[0];
    const segment = Number(identification?.ReferencedSegmentNumber);
    const out = pixels.get(segment) ?? new Uint8Array(area);
    const offset = (frame - 1) * area;
    for (let i = 0; i < area; i++) {
      const bit = offset + i;
      if (((bits[bit >> 3] ?? 0) >> (bit & 7)) & 1) out[i] = 1;
    }
    pixels.set(segment, out);
  }
  return pixels;
}
