import type { BinaryMask } from '../conditions/conditionTypes.js';
import { decodeMaskImage } from './decodeMaskImage.js';

/** Reads a mask image file (PNG or any format sharp reads, any size and bit depth): a pixel is inside when its first channel is non-zero. */
export async function readMaskFile(label: string, path: string): Promise<BinaryMask> {
  return { label, ...(await decodeMaskImage(path)) };
}
