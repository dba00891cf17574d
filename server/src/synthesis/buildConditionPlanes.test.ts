import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import type { ConditionChannel } from '../conditions/conditionTypes.js';
import { buildConditionPlanes } from './buildConditionPlanes.js';

const CHANNELS: ConditionChannel[] = [
  { index: 0, kind: 'mask', label: 'right_lung' },
  { index: 1, kind: 'mask', label: 'left_lung' },
  { index: 2, kind: 'box', label: 'nodule' },
  { index: 3, kind: 'box', label: 'opacity' },
];

function onPixels(planes: Float32Array, channel: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (planes[channel * size * size + r * size + c] === 1) out.push([r, c]);
  return out;
}

describe('buildConditionPlanes', () => {
  it('when a box is given in model pixels, then pixel centres inside [x0,x1) x [y0,y1) are set', () => {
    // same case as models/training/tests/test_conditions.py: columns 10..12, row 20
    const { planes, present } = buildConditionPlanes({ channels: CHANNELS, size: 32, boxes: [{ label: 'nodule', x0: 10, y0: 20, x1: 12.6, y1: 21.5 }] });
    expect(onPixels(planes, 2, 32)).toEqual([[20, 10], [20, 11], [20, 12]]);
    expect([...present]).toEqual([0, 0, 1, 0]);
  });

  it('when a box is given in a 1024-px source, then it is scaled to the model resolution', () => {
    const { planes } = buildConditionPlanes({ channels: CHANNELS, size: 32, sourceWidth: 1024, sourceHeight: 512, boxes: [{ label: 'Nodule', x0: 0, y0: 0, x1: 64, y1: 32 }] });
    // x: 64 * 32/1024 = 2 -> columns 0,1; y: 32 * 32/512 = 2 -> rows 0,1
    expect(onPixels(planes, 2, 32)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
  });

  it('when a synonym is used, then it maps to the trained class', () => {
    const { present } = buildConditionPlanes({ channels: CHANNELS, size: 8, boxes: [{ label: 'pneumonia', x0: 1, y0: 1, x1: 4, y1: 4 }] });
    expect(present[3]).toBe(1);
  });

  it('when a mask of another size is given, then it is resampled by nearest neighbour', () => {
    const mask = new Uint8Array([1, 0, 0, 0]); // 2x2, top-left inside
    const { planes, present } = buildConditionPlanes({ channels: CHANNELS, size: 4, masks: [{ label: 'Right Lung', width: 2, height: 2, data: mask }] });
    expect(onPixels(planes, 0, 4)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect([...present]).toEqual([1, 0, 0, 0]);
  });

  it('when a label is unknown, then the error names the field and lists the supported labels', () => {
    try {
      buildConditionPlanes({ channels: CHANNELS, size: 8, boxes: [{ label: 'nodule', x0: 1, y0: 1, x1: 2, y1: 2 }, { label: 'fracture', x0: 1, y0: 1, x1: 2, y1: 2 }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ChexgenError);
      expect((error as ChexgenError).field).toBe('boxes[1].label');
      expect((error as ChexgenError).message).toContain('nodule, opacity');
    }
  });

  it('when a box is inverted or outside the image, then it is rejected', () => {
    expect(() => buildConditionPlanes({ channels: CHANNELS, size: 8, boxes: [{ label: 'nodule', x0: 5, y0: 1, x1: 2, y1: 2 }] })).toThrow(/x0 < x1/);
    expect(() => buildConditionPlanes({ channels: CHANNELS, size: 8, boxes: [{ label: 'nodule', x0: 9, y0: 1, x1: 12, y1: 2 }] })).toThrow(/outside/);
  });

  it('when a mask has the wrong number of pixels, then it is rejected', () => {
    expect(() => buildConditionPlanes({ channels: CHANNELS, size: 8, masks: [{ label: 'left_lung', width: 3, height: 3, data: new Uint8Array(4) }] })).toThrow(/width\*height/);
  });
});
