import type { BoxCondition } from '../conditions/conditionTypes.js';

/** A point in DICOM 2D image coordinates: column, row; (0, 0) is the top left corner of the top left pixel. */
export type ImagePoint = { x: number; y: number };

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * A condition box, given in the coordinates of a `sourceWidth` x `sourceHeight` image, as a closed 5-point
 * polyline (x0,y0) (x1,y0) (x1,y1) (x0,y1) (x0,y0) on an image of `columns` x `rows` pixels:
 * x * columns / sourceWidth, y * rows / sourceHeight, clipped to the image and rounded to 1/1000 pixel.
 */
export function boxToImagePolyline(
  box: Pick<BoxCondition, 'x0' | 'y0' | 'x1' | 'y1'>,
  source: { sourceWidth: number; sourceHeight: number },
  image: { columns: number; rows: number },
): ImagePoint[] {
  if (!(source.sourceWidth > 0 && source.sourceHeight > 0)) throw new RangeError('boxToImagePolyline: source size must be positive');
  const sx = image.columns / source.sourceWidth;
  const sy = image.rows / source.sourceHeight;
  const x = (v: number): number => round3(Math.min(image.columns, Math.max(0, v * sx)));
  const y = (v: number): number => round3(Math.min(image.rows, Math.max(0, v * sy)));
  const [x0, x1, y0, y1] = [x(box.x0), x(box.x1), y(box.y0), y(box.y1)];
  return [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }, { x: x0, y: y0 }];
}
