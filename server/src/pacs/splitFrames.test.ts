import { describe, expect, it } from 'vitest';
import type { DicomJsonDataset } from '../dicom/dicomJson.js';
import { splitFrames } from './splitFrames.js';

const header = (rows: number, columns: number, bits: number, frames: number): DicomJsonDataset => ({
  '00280010': { vr: 'US', Value: [rows] },
  '00280011': { vr: 'US', Value: [columns] },
  '00280100': { vr: 'US', Value: [bits] },
  '00280008': { vr: 'IS', Value: [frames] },
});
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

describe('splitFrames', () => {
  it('when frames are 16-bit native, then each frame is its byte slice', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i); // 2 frames of 2x3 16-bit samples
    const frames = splitFrames(header(2, 3, 16, 2), EXPLICIT_LE, [data]);
    expect(frames.map((frame) => [...frame])).toEqual([[...data.subarray(0, 12)], [...data.subarray(12)]]);
  });

  it('when 1-bit frames are not byte-aligned, then they are re-packed LSB first', () => {
    // two 3x3 frames = 18 bits: frame 1 bits 0-8, frame 2 bits 9-17; frame 2 is all ones, frame 1 all zeros
    const data = new Uint8Array([0b0000_0000, 0b1111_1110, 0b0000_0011]);
    const frames = splitFrames(header(3, 3, 1, 2), EXPLICIT_LE, [data]);
    expect([...frames[0]]).toEqual([0, 0]);
    expect([...frames[1]]).toEqual([0xff, 0x01]);
  });

  it('when the data is encapsulated with one fragment per frame, then fragments are the frames', () => {
    const fragments = [new Uint8Array([1, 2]), new Uint8Array([3])];
    expect(splitFrames(header(8, 8, 8, 2), '1.2.840.10008.1.2.4.50', fragments)).toEqual(fragments);
  });

  it('when Pixel Data is shorter than the frames need, then it throws', () => {
    expect(() => splitFrames(header(2, 2, 16, 2), EXPLICIT_LE, [new Uint8Array(10)])).toThrow(/need 16/);
  });
});
