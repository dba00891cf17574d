import sharp from 'sharp';
import type { Resampling } from '../synthesis/generationRecord.js';
import type { GrayImage16 } from '../synthesis/imageOutput.js';


/** Writes a 16-bit grayscale PNG, resampled with Lanczos-3 when `size` differs from the image's own. */
export async function writePng16(image: GrayImage16, path: string, size?: { width: number; height: number }): Promise<Resampling> {
  // a Uint16Array input tells sharp the samples are 16-bit (a Buffer would be read as 8-bit bytes)
  let pipeline = sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } });
  let resampling: Resampling = null;
  if (size && (size.width !== image.width || size.height !== image.height)) {
    pipeline = pipeline.resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' });
    resampling = { from: [image.width, image.height], to: [size.width, size.height], kernel: 'lanczos3' };
  }
  await pipeline.toColourspace('grey16').png({ compressionLevel: 6 }).toFile(path);
  return resampling;
}
