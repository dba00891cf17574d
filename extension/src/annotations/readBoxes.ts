import type { ImageSize, RectangleMeasurement, SourceBox, WorldToImage } from './types';

/**
 * Turns RectangleROI measurements into boxes in source-image pixels: each of the measurement's world-space corners
 * goes through `worldToImage`, the box is their bounding rectangle clamped to the image. Measurements of other
 * tools, without an image, with an unknown size or that collapse to nothing are left out.
 */
export function readBoxes(
  measurements: readonly RectangleMeasurement[],
  worldToImage: WorldToImage,
  imageSize: ImageSize,
): SourceBox[] {
  const boxes: SourceBox[] = [];
  for (const m of measurements) {
    if (m.toolName !== 'RectangleROI' || m.referencedImageId === undefined || m.points.length < 2) continue;
    const imageId = m.referencedImageId;
    const size = imageSize(imageId);
    if (size === undefined) continue;
    const pixels = m.points.map((p) => worldToImage(imageId, p)).filter((p): p is readonly number[] => p !== undefined);
    if (pixels.length < 2) continue;
    const xs = pixels.map((p) => p[0]);
    const ys = pixels.map((p) => p[1]);
    const clampX = (v: number): number => round2(Math.min(Math.max(v, 0), size.width));
    const clampY = (v: number): number => round2(Math.min(Math.max(v, 0), size.height));
    const box: SourceBox = {
      uid: m.uid,
      measurementLabel: m.label ?? '',
      imageId,
      x0: clampX(Math.min(...xs)),
      y0: clampY(Math.min(...ys)),
      x1: clampX(Math.max(...xs)),
      y1: clampY(Math.max(...ys)),
      sourceWidth: size.width,
      sourceHeight: size.height,
    };
    if (box.x1 > box.x0 && box.y1 > box.y0) boxes.push(box);
  }
  return boxes;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
