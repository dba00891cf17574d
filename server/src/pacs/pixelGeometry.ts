import { TAG, firstNumber, type DicomJsonDataset } from '../dicom/dicomJson.js';
import { isNativeTransferSyntax } from './splitFrames.js';

/** The most frames one stored instance may have (a frame list URI of this many frames is ~60 KB). */
export const MAX_FRAMES = 10_000;

/** The size an instance's Pixel Data has by its header; `frames` is 0 for an instance without Pixel Data (SR, KO). */
export type PixelGeometry = { frames: number; rows: number; columns: number; samples: number; bitsAllocated: number; decodedBytes: number };

const BITS_ALLOCATED = new Set([1, 8, 16, 32, 64]);

/**
 * Reads and checks the header fields that size Pixel Data (NumberOfFrames, Rows, Columns, SamplesPerPixel,
 * BitsAllocated) before anything is allocated from them: each must be an integer in its DICOM range, the frame count
 * at most {@link MAX_FRAMES} and the decoded size (frames x rows x columns x samples x bits / 8) at most
 * `maxPixelBytes`. A header may lie; {@link checkPixelDataLength} then holds it to the bytes really there.
 *
 * @throws Error naming the field and the rule (a broken or hostile file, so a plain Error; STOW reports it as the
 * instance's failure reason).
 */
export function readPixelGeometry(header: DicomJsonDataset, hasPixelData: boolean, maxPixelBytes: number): PixelGeometry {
  const declaredFrames = header[TAG.NumberOfFrames] === undefined ? undefined : firstNumber(header, TAG.NumberOfFrames);
  if (header[TAG.NumberOfFrames]?.Value !== undefined && (declaredFrames === undefined || !Number.isInteger(declaredFrames) || declaredFrames < 1 || declaredFrames > MAX_FRAMES)) {
    throw new Error(`NumberOfFrames must be an integer from 1 to ${MAX_FRAMES}, got ${String(header[TAG.NumberOfFrames]?.Value?.[0]).slice(0, 20)}`);
  }
  if (!hasPixelData) return { frames: 0, rows: 0, columns: 0, samples: 0, bitsAllocated: 0, decodedBytes: 0 };
  const frames = declaredFrames ?? 1;
  const field = (keyword: 'Rows' | 'Columns' | 'SamplesPerPixel' | 'BitsAllocated', fallback: number | undefined, valid: (n: number) => boolean, rule: string): number => {
    const value = firstNumber(header, TAG[keyword]) ?? fallback;
    if (value === undefined || !Number.isInteger(value) || !valid(value)) throw new Error(`${keyword} must be ${rule}, got ${String(value)}`);
    return value;
  };
  const rows = field('Rows', undefined, (n) => n >= 1 && n <= 65535, 'an integer from 1 to 65535');
  const columns = field('Columns', undefined, (n) => n >= 1 && n <= 65535, 'an integer from 1 to 65535');
  const samples = field('SamplesPerPixel', 1, (n) => n >= 1 && n <= 4, 'an integer from 1 to 4');
  const bitsAllocated = field('BitsAllocated', undefined, (n) => BITS_ALLOCATED.has(n), 'one of 1, 8, 16, 32, 64');
  const decodedBytes = Math.ceil((frames * rows * columns * samples * bitsAllocated) / 8);
  if (decodedBytes > maxPixelBytes) {
    throw new Error(`NumberOfFrames x Rows x Columns x SamplesPerPixel x BitsAllocated is ${decodedBytes} bytes, more than ${maxPixelBytes} bytes (CHEXGEN_MAX_PIXEL_BYTES)`);
  }
  return { frames, rows, columns, samples, bitsAllocated, decodedBytes };
}

/**
 * Holds the header to the Pixel Data really there: native data must hold at least the decoded size (a header that
 * claims more frames or pixels than the file carries is refused); encapsulated data one fragment per frame, or any
 * number for a single frame (what serving frames needs, see splitFrames).
 * @throws Error saying what the header claims and what the data holds.
 */
export function checkPixelDataLength(geometry: PixelGeometry, transferSyntaxUid: string, chunks: readonly Uint8Array[]): void {
  if (isNativeTransferSyntax(transferSyntaxUid)) {
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (bytes < geometry.decodedBytes) {
      throw new Error(`Pixel Data holds ${bytes} bytes; NumberOfFrames ${geometry.frames} x Rows ${geometry.rows} x Columns ${geometry.columns} x SamplesPerPixel ${geometry.samples} x BitsAllocated ${geometry.bitsAllocated} needs ${geometry.decodedBytes}`);
    }
    return;
  }
  if (chunks.length === 0) throw new Error('encapsulated Pixel Data holds no fragments');
  if (geometry.frames > 1 && chunks.length !== geometry.frames) {
    throw new Error(`encapsulated Pixel Data holds ${chunks.length} fragments for NumberOfFrames ${geometry.frames} (one fragment per frame is needed)`);
  }
}
