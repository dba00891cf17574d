import type { BinaryMask } from '../conditions/conditionTypes.js';

/** A multi-class label map: 0 background, `classes[i]` drawn as value i + 1. */
export type LabelMap = { width: number; height: number; data: Uint8Array; classes: readonly string[]; overlapPixels: number };

/**
 * The masks of one image as one label map (pure): each mask whose label is one of `classes` is drawn with its class
 * value, in the order of `classes`, so a later class wins where masks overlap (for chexgen's anatomy classes
 * right_lung, left_lung, heart: the heart over the lungs). `overlapPixels` counts pixels claimed by more than one
 * mask, so an export can say how much the one-label-per-pixel form lost. Masks must have the map's size.
 */
export function buildLabelMap(masks: readonly BinaryMask[], classes: readonly string[], width: number, height: number): LabelMap {
  const data = new Uint8Array(width * height);
  const claimed = new Uint8Array(width * height);
  let overlapPixels = 0;
  classes.forEach((label, c) => {
    for (const mask of masks.filter((m) => m.label === label)) {
      if (mask.width !== width || mask.height !== height) throw new Error(`buildLabelMap: mask ${label} is ${mask.width}x${mask.height}, not ${width}x${height}`);
      for (let i = 0; i < data.length; i++) {
        if (mask.data[i] === 0) continue;
        if (claimed[i] === 1) overlapPixels++;
        claimed[i] = 1;
        data[i] = c + 1;
      }
    }
  });
  return { width, height, data, classes, overlapPixels };
}
