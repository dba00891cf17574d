import { TAG, firstNumber, type DicomJsonDataset } from '../dicom/dicomJson.js';

/** Transfer syntaxes whose Pixel Data is native (not encapsulated): implicit/explicit little endian, deflated. */
const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);

/** True when Pixel Data in this transfer syntax is native, i.e. frames are plain little-endian sample arrays. */
export function isNativeTransferSyntax(transferSyntaxUid: string): boolean {
  return NATIVE_TRANSFER_SYNTAXES.has(transferSyntaxUid);
}

/**
 * Cuts Pixel Data into frames, as WADO-RS `/frames` serves them.
 *
 * Native data is sliced by Rows x Columns x SamplesPerPixel x BitsAllocated; 1-bit frames (BINARY SEG) are not
 * byte-aligned in general (PS3.5 8.1.1), so they are re-packed bit by bit, LSB first. Encapsulated data must hold
 * one fragment per frame, or any number of fragments for a single frame.
 *
 * @param header the instance's attributes (Rows, Columns, SamplesPerPixel, BitsAllocated, NumberOfFrames).
 * @param chunks Pixel Data as read: one chunk for native data, fragments for encapsulated data.
 * @throws Error when the sizes do not add up (a broken file, so a plain Error).
 */
export function splitFrames(
  header: DicomJsonDataset,
  transferSyntaxUid: string,
  chunks: readonly Uint8Array[],
): Uint8Array[] {
  const frameCount = firstNumber(header, TAG.NumberOfFrames) ?? 1;
  if (!isNativeTransferSyntax(transferSyntaxUid)) {
    if (chunks.length === frameCount) return [...chunks];
    if (frameCount === 1) return [Buffer.concat(chunks)];
    throw new Error(`cannot map ${chunks.length} Pixel Data fragments onto ${frameCount} frames`);
  }
  const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  const rows = firstNumber(header, TAG.Rows) ?? 0;
  const columns = firstNumber(header, TAG.Columns) ?? 0;
  const samples = firstNumber(header, TAG.SamplesPerPixel) ?? 1;
  const bitsAllocated = firstNumber(header, TAG.BitsAllocated) ?? 0;
  const bitsPerFrame = rows * columns * samples * bitsAllocated;
  if (bitsPerFrame <= 0) throw new Error('Rows, Columns and BitsAllocated are required to cut frames');
  if (data.length * 8 < bitsPerFrame * frameCount) {
    throw new Error(
      `Pixel Data holds ${data.length} bytes, ${frameCount} frame(s) need ${Math.ceil((bitsPerFrame * frameCount) / 8)}`,
    );
  }
  const frames: Uint8Array[] = [];
  for (let frame = 0; frame < frameCount; frame++) {
    frames.push(
      bitsPerFrame % 8 === 0
        ? data.subarray((frame * bitsPerFrame) / 8, ((frame + 1) * bitsPerFrame) / 8)
        : extractBits(data, frame * bitsPerFrame, bitsPerFrame),
    );
  }
  return frames;
}

// Copies `count` bits starting at bit `start` (LSB-first bit order) into a new LSB-first packed array.
function extractBits(data: Uint8Array, start: number, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) {
    const source = start + i;
    if ((data[source >> 3] >> (source & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}
