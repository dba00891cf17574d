import { describe, expect, it } from 'vitest';
import { boxToImagePolyline } from './boxToImagePolyline.js';

describe('boxToImagePolyline', () => {
  it('when a box is given on a 1024-px source, then it is scaled to the image and closed in 5 points', () => {
    const points = boxToImagePolyline({ x0: 280.5, y0: 350, x1: 344, y1: 412.25 }, { sourceWidth: 1024, sourceHeight: 1024 }, { columns: 512, rows: 512 });
    expect(points).toEqual([
      { x: 140.25, y: 175 }, { x: 172, y: 175 }, { x: 172, y: 206.125 }, { x: 140.25, y: 206.125 }, { x: 140.25, y: 175 },
    ]);
  });

  it('when source and image differ per axis, then x uses columns/sourceWidth and y rows/sourceHeight', () => {
    const points = boxToImagePolyline({ x0: 0, y0: 10, x1: 100, y1: 20 }, { sourceWidth: 200, sourceHeight: 40 }, { columns: 256, rows: 512 });
    expect(points[0]).toEqual({ x: 0, y: 128 });
    expect(points[2]).toEqual({ x: 128, y: 256 });
  });

  it('when a box reaches outside the source, then it is clipped to the image; coordinates round to 1/1000', () => {
    const points = boxToImagePolyline({ x0: -5, y0: 1, x1: 300, y1: 2 }, { sourceWidth: 3, sourceHeight: 3 }, { columns: 256, rows: 256 });
    expect(points[0]).toEqual({ x: 0, y: 85.333 });
    expect(points[2]).toEqual({ x: 256, y: 170.667 });
  });
});
