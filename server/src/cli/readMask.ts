import sharp from 'sharp';
import type { MaskCondition } from '../synthesis/conditioning.js';

/** Reads a mask image (PNG, any size, any bit depth): a pixel is inside when its first channel is non-zero. */
export async function readMaskFile(label: string, path: string): Promise<MaskCondition> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { label, width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
