// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { encodeRle } from './encodeRle';
import { readSegments } from './readSegments';
import type { LabelmapSegmentation } from './types';

describe('encodeRle', () => {
  it('when pixels start inside, then the first outside run is 0 long', () => {
    expect(encodeRle([1, 1, 0, 0, 0, 1], 1)).toEqual({ rle: [0, 2, 3, 1], inside: 3 });
  });
  it('when no pixel matches, then one outside run covers all', () => {
    expect(encodeRle(new Uint8Array(6), 2)).toEqual({ rle: [6], inside: 0 });
  });
  it('when other segment indices are present, then only the asked one counts as inside', () => {
    expect(encodeRle([0, 2, 1, 2, 2], 2)).toEqual({ rle: [1, 1, 1, 2], inside: 3 });
  });
});

describe('readSegments', () => {
  const seg: LabelmapSegmentation = {
    segmentationId: 's1',
    label: 'Segmentation 1',
    segments: { '1': { segmentIndex: 1, label: 'Right Lung' }, '2': { segmentIndex: 2 }, '0': undefined },
    representationData: { Labelmap: { imageIds: ['derived:1'] } },
  };
  const pixels = new Uint8Array([0, 1, 1, 0, 2, 0]); // 3 x 2

  it('when a labelmap has two segments, then each becomes a binary RLE mask at the labelmap size', () => {
    const out = readSegments([seg], (id) => (id === 'derived:1' ? { width: 3, height: 2, data: pixels } : undefined));
    expect(out).toEqual([
      { key: 's1/1', segmentationId: 's1', segmentIndex: 1, name: 'Right Lung', width: 3, height: 2, rle: [1, 2, 3], pixels: 2 },
      { key: 's1/2', segmentationId: 's1', segmentIndex: 2, name: 'Segmentation 1 2', width: 3, height: 2, rle: [4, 1, 1], pixels: 1 },
    ]);
  });

  it('when the labelmap image is missing or its size does not fit its data, then the segmentation is skipped', () => {
    expect(readSegments([seg], () => undefined)).toEqual([]);
    expect(readSegments([seg], () => ({ width: 4, height: 2, data: pixels }))).toEqual([]);
    expect(readSegments([{ ...seg, representationData: {} }], () => ({ width: 3, height: 2, data: pixels }))).toEqual([]);
  });
});
