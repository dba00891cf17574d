import sharp from 'sharp';
import type { GrayImage16 } from '../synthesis/imageOutput.js';

/** Writes a 16-bit grayscale PNG (resample first with resampleGray16 when another size is wanted). */
export async function writePng16(image: GrayImage16, path: string): Promise<void> {
  // a Uint16Array input tells sharp the samples are 16-bit (a Buffer would be read as 8-bit bytes)
  await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
    .toColourspace('grey16')
    .png({ compressionLevel: 6 })
    .toFile(path);
}
