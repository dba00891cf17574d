// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { readBoxes } from './readBoxes';
import type { RectangleMeasurement, WorldToImage } from './types';

/** A fake world->image map: world (x, y, z) -> pixel (x / 0.5, y / 0.5), i.e. 0.5 mm pixels. */
const halfMm: WorldToImage = (_id, p) => [p[0] / 0.5, p[1] / 0.5];
const size = () => ({ width: 256, height: 256 });

function rect(uid: string, corners: number[][], extra: Partial<RectangleMeasurement> = {}): RectangleMeasurement {
  return { uid, toolName: 'RectangleROI', points: corners, referencedImageId: 'wadors:img1', label: '', ...extra };
}

describe('readBoxes', () => {
  it('when a rectangle has four world corners, then the box is their pixel bounding box with the source size', () => {
    const boxes = readBoxes([rect('a', [[10, 20, 0], [30, 20, 0], [10, 40, 0], [30, 40, 0]], { label: 'Nodule' })], halfMm, size);
    expect(boxes).toEqual([{ uid: 'a', measurementLabel: 'Nodule', imageId: 'wadors:img1', x0: 20, y0: 40, x1: 60, y1: 80, sourceWidth: 256, sourceHeight: 256 }]);
  });

  it('when corners are given in any order or outside the image, then the box is normalised and clamped', () => {
    const [box] = readBoxes([rect('a', [[200, 100, 0], [-5, 100, 0], [200, -3, 0], [-5, -3, 0]])], halfMm, size);
    expect(box).toMatchObject({ x0: 0, y0: 0, x1: 256, y1: 200 });
  });

  it('when measurements are of other tools, lack an image, have an unknown size or no area, then they are left out', () => {
    const boxes = readBoxes(
      [
        rect('length', [[0, 0, 0], [10, 10, 0]], { toolName: 'Length' }),
        rect('noimage', [[0, 0, 0], [10, 10, 0]], { referencedImageId: undefined }),
        rect('unknown', [[0, 0, 0], [10, 10, 0]], { referencedImageId: 'other' }),
        rect('flat', [[0, 5, 0], [10, 5, 0]]),
      ],
      halfMm,
      (id) => (id === 'other' ? undefined : { width: 256, height: 256 }),
    );
    expect(boxes).toEqual([]);
  });

  it('when the converter returns fractions, then coordinates keep two decimals', () => {
    const [box] = readBoxes([rect('a', [[0, 0, 0], [1, 1, 0]])], (_id, p) => [p[0] * 10.123456, p[1] * 3.333333], size);
    expect(box).toMatchObject({ x0: 0, y0: 0, x1: 10.12, y1: 3.33 });
  });
});
