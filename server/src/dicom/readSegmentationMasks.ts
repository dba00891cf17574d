import { ChexgenError } from '../errors.js';
import { ANATOMY_CODES } from './codes.js';
import type { LabeledMask } from './masksFromRecord.js';
import type { NaturalizedDataset } from './WriterContext.js';

type Item = Record<string, unknown>;
const items = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : value ? [value as Item] : []);

/** Our mask label for a segment: by its property code (SCT right/left lung, heart), else by its label text. */
function labelOf(segment: Item): string | null {
  const code = items(segment.SegmentedPropertyTypeCodeSequence)[0];
  for (const [label, known] of Object.entries(ANATOMY_CODES)) {
    if (code && code.CodeValue === known.CodeValue && code.CodingSchemeDesignator === known.CodingSchemeDesignator) return label;
  }
  const text = String(segment.SegmentLabel ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
  return text in ANATOMY_CODES ? text : null;
}

/**
 * Reads the masks of a BINARY DICOM SEG of one 2D image (ours, or any viewer's with one frame per segment):
 * frames bit-packed LSB first, frame i -> the segment its ReferencedSegmentNumber names. Segments whose anatomy we
 * do not condition on are skipped; none known is an error listing what the SEG holds.
 */
export function readSegmentationMasks(seg: NaturalizedDataset): LabeledMask[] {
  if (seg.SOPClassUID !== '1.2.840.10008.5.1.4.1.1.66.4') throw new ChexgenError('INVALID_FIELD', 'seg: the instance is not a DICOM Segmentation', { field: 'seg' });
  if (seg.SegmentationType !== 'BINARY') throw new ChexgenError('INVALID_FIELD', `seg: SegmentationType ${String(seg.SegmentationType)} is not supported (BINARY only)`, { field: 'seg' });
  const rows = Number(seg.Rows);
  const columns = Number(seg.Columns);
  const frames = Number(seg.NumberOfFrames ?? 1);
  const data = Array.isArray(seg.PixelData) ? seg.PixelData[0] : seg.PixelData;
  if (!(data instanceof ArrayBuffer)) throw new ChexgenError('INVALID_FIELD', 'seg: no native PixelData', { field: 'seg' });
  const bytes = new Uint8Array(data);
  const segments = new Map(items(seg.SegmentSequence).map((s) => [Number(s.SegmentNumber), s]));
  const perFrame = items(seg.PerFrameFunctionalGroupsSequence);
  const area = rows * columns;
  const masks: LabeledMask[] = [];
  for (let f = 0; f < frames; f++) {
    const identification = items(perFrame[f]?.SegmentIdentificationSequence)[0];
    const segment = segments.get(Number(identification?.ReferencedSegmentNumber ?? f + 1));
    const label = segment ? labelOf(segment) : null;
    if (label === null) continue;
    const mask = new Uint8Array(area);
    for (let i = 0; i < area; i++) {
      const bit = f * area + i;
      mask[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
    }
    masks.push({ label, width: columns, height: rows, data: mask });
  }
  if (masks.length === 0) {
    const found = [...segments.values()].map((s) => String(s.SegmentLabel ?? '?')).join(', ');
    throw new ChexgenError('INVALID_FIELD', `seg: no segment is a right lung, left lung or heart (found: ${found || 'none'})`, { field: 'seg' });
  }
  return masks;
}
