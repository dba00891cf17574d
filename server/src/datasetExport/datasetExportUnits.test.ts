import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { validationSubjects, subjectFiles } from './datasetIndex.js';
import { encodeNifti2d } from './encodeNifti.js';
import { buildLabelMap } from './labelMap.js';

describe('buildLabelMap', () => {
  const mask = (label: string, bits: number[]) => ({ label, width: 3, height: 2, data: Uint8Array.from(bits) });
  it('draws classes in order, a later class over an earlier one, counts the overlap and skips unknown labels', () => {
    const map = buildLabelMap([mask('heart', [0, 1, 1, 0, 0, 0]), mask('right_lung', [1, 1, 0, 0, 0, 0]), mask('tumour', [1, 1, 1, 1, 1, 1])], ['right_lung', 'left_lung', 'heart'], 3, 2);
    expect([...map.data]).toEqual([1, 3, 3, 0, 0, 0]);
    expect(map.overlapPixels).toBe(1);
  });
  it('refuses a mask of another size', () => {
    expect(() => buildLabelMap([{ label: 'heart', width: 2, height: 2, data: new Uint8Array(4) }], ['heart'], 3, 2)).toThrow(/2x2, not 3x2/);
  });
});

describe('validationSubjects', () => {
  it('takes round(n x fraction) subjects, the same for the same seed, others for another', () => {
    const subjects = Array.from({ length: 50 }, (_, i) => i);
    const a = validationSubjects(subjects, 0.2, 7);
    expect(a.size).toBe(10);
    expect([...validationSubjects([...subjects].reverse(), 0.2, 7)].sort()).toEqual([...a].sort());
    expect([...validationSubjects(subjects, 0.2, 8)].sort()).not.toEqual([...a].sort());
    expect(validationSubjects([3], 0.2, 7).size).toBe(0);
  });
  it('names files after the cohort and the subject', () => {
    expect(subjectFiles('880487c5-52d3-40d9-8949-c887204c9821', 7)).toEqual({
      id: 'chexgen-880487c5-0007', image: 'chexgen-880487c5-0007.nii.gz', label: 'labels/final/chexgen-880487c5-0007.nii.gz',
      imagePng: 'png/images/chexgen-880487c5-0007.png', labelPng: 'png/labels/chexgen-880487c5-0007.png',
    });
  });
});

describe('encodeNifti2d', () => {
  it('writes a NIfTI-1 that nifti-reader-js reads back: dims, type, no geometry, the pixels x-fastest', () => {
    const data = Uint16Array.from([0, 1, 2, 65535, 300, 7]);
    const file = encodeNifti2d({ width: 3, height: 2, data, description: 'SYNTHETIC test é'.padEnd(120, 'x') });
    const raw = gunzipSync(file);
    const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
    expect(nifti.isNIFTI1(buffer)).toBe(true);
    const header = nifti.readHeader(buffer);
    expect(header.dims.slice(0, 4)).toEqual([2, 3, 2, 1]);
    expect([header.datatypeCode, header.numBitsPerVoxel, header.vox_offset, header.qform_code, header.sform_code]).toEqual([nifti.NIFTI1.TYPE_UINT16, 16, 352, 0, 0]);
    expect(header.description).toBe('SYNTHETIC test ?'.padEnd(79, 'x'));
    expect([...new Uint16Array(nifti.readImage(header, buffer))]).toEqual([...data]);
    const labels = gunzipSync(encodeNifti2d({ width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 0, 1]), description: 'labels' }));
    expect(nifti.readHeader(labels.buffer.slice(labels.byteOffset, labels.byteOffset + labels.byteLength) as ArrayBuffer).datatypeCode).toBe(nifti.NIFTI1.TYPE_UINT8);
  });
});
