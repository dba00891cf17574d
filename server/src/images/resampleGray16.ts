import sharp from 'sharp';
import type { Resampling } from '../dicom/generationRecord.js';
import type { GrayImage16 } from '../synthesis/imageOutput.js';

/** Resamples a 16-bit image with Lanczos-3 (sharp); returns it unchanged (and null) when the size already fits. */
export async function resampleGray16(image: GrayImage16, size?: { width: number; height: number }): Promise<{ image: GrayImage16; resampling: Resampling }> {
  if (!size || (size.width === image.width && size.height === image.height)) return { image, resampling: null };
  const { data, info } = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`resampleGray16: ${info.channels} channels`);
  // copy out of the Buffer: its byteOffset into a pooled ArrayBuffer need not be 2-aligned
  const pixels = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return {
    image: { width: info.width, height: info.height, pixels },
    resampling: { from: [image.width, image.height], to: [info.width, info.height], kernel: 'lanczos3' },
  };
}
