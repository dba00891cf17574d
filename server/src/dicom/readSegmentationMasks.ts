import { normaliseLabel } from '../conditions/conditionLabels.js';
import type { BinaryMask } from '../conditions/conditionTypes.js';
import { ChexgenError } from '../errors.js';
import { ANATOMY_CODES } from './codes.js';
import type { NaturalizedDataset } from './WriterContext.js';

type Item = Record<string, unknown>;
const items = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : value ? [value as Item] : []);

/** Our mask label for a segment: by its property code (SCT right/left lung, heart), else by its label text. */
function labelOf(segment: Item): string | null {
  const code = items(segment.SegmentedPropertyTypeCodeSequence)[0];
  for (const [label, known] of Object.entries(ANATOMY_CODES)) {
    if (code && code.CodeValue === known.CodeValue && code.CodingSchemeDesignator === known.CodingSchemeDesignator) return label;
  }
  const text = normaliseLabel(String(segment.SegmentLabel ?? ''));
  return text in ANATOMY_CODES ? text : null;
}

/** The limits masks from a SEG are held to: the same as masks uploaded with a request (CHEXGEN_MAX_MASK_*). */
export type SegMaskLimits = { maxMaskPixels: number; maxMasks: number };

/**
 * Reads the masks of a BINARY DICOM SEG of one 2D image (ours, or any viewer's with one frame per segment):
 * frames bit-packed LSB first, frame i -> the segment its ReferencedSegmentNumber names. Segments whose anatomy we
 * do not condition on are skipped; none known is an error listing what the SEG holds.
 *
 * The header's sizes are checked before anything is allocated from them: Rows x Columns at most `maxMaskPixels`,
 * all frames together at most `maxMasks` x `maxMaskPixels` pixels, and the Pixel Data really there must hold every
 * frame the header claims. A SEG is untrusted input like an uploaded mask.
 */
export function readSegmentationMasks(seg: NaturalizedDataset, limits: SegMaskLimits): BinaryMask[] {
  if (seg.SOPClassUID !== '1.2.840.10008.5.1.4.1.1.66.4') throw new ChexgenError('INVALID_FIELD', 'seg: the instance is not a DICOM Segmentation', { field: 'seg' });
  if (seg.SegmentationType !== 'BINARY') throw new ChexgenError('INVALID_FIELD', `seg: SegmentationType ${String(seg.SegmentationType)} is not supported (BINARY only)`, { field: 'seg' });
  const rows = Number(seg.Rows);
  const columns = Number(seg.Columns);
  const frames = Number(seg.NumberOfFrames ?? 1);
  const refuse = (rule: string): never => {
    throw new ChexgenError('INVALID_FIELD', `seg: ${rule}`, { field: 'seg' });
  };
  if (![rows, columns, frames].every((n) => Number.isInteger(n) && n >= 1)) refuse(`Rows, Columns and NumberOfFrames must be positive integers, got ${String(seg.Rows)}, ${String(seg.Columns)}, ${String(seg.NumberOfFrames)}`);
  const area = rows * columns;
  if (area > limits.maxMaskPixels) refuse(`Rows x Columns ${columns}x${rows} is more than ${limits.maxMaskPixels} pixels (CHEXGEN_MAX_MASK_PIXELS)`);
  if (frames * area > limits.maxMasks * limits.maxMaskPixels) {
    refuse(`${frames} frames of ${columns}x${rows} are more than CHEXGEN_MAX_MASKS ${limits.maxMasks} x CHEXGEN_MAX_MASK_PIXELS ${limits.maxMaskPixels} pixels`);
  }
  const data = Array.isArray(seg.PixelData) ? seg.PixelData[0] : seg.PixelData;
  if (!(data instanceof ArrayBuffer)) throw new ChexgenError('INVALID_FIELD', 'seg: no native PixelData', { field: 'seg' });
  const bytes = new Uint8Array(data);
  const needed = Math.ceil((frames * area) / 8);
  if (bytes.length < needed) refuse(`Pixel Data holds ${bytes.length} bytes; ${frames} frame(s) of ${columns}x${rows} need ${needed}`);
  const segments = new Map(items(seg.SegmentSequence).map((s) => [Number(s.SegmentNumber), s]));
  const perFrame = items(seg.PerFrameFunctionalGroupsSequence);
  const masks: BinaryMask[] = [];
  for (let f = 0; f < frames; f++) {
    const identification = items(perFrame[f]?.SegmentIdentificationSequence)[0];
    const segment = segments.get(Number(identification?.ReferencedSegmentNumber ?? f + 1));
    const label = segment ? labelOf(segment) : null;
    if (label === null) continue;
    if (masks.length === limits.maxMasks) refuse(`more than ${limits.maxMasks} segments to use (CHEXGEN_MAX_MASKS)`);
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
