import sharp from 'sharp';

/**
 * The one mask decoder: an image (bytes or a file path, any format sharp reads) -> its first channel, row-major, a
 * pixel inside when non-zero (8-bit samples as they are; 16-bit ones as 1 when either byte is set). `maxPixels`
 * bounds what sharp will decode (its limitInputPixels).
 */
export async function decodeMaskImage(input: Buffer | string, maxPixels?: number): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(input, maxPixels === undefined ? {} : { limitInputPixels: maxPixels })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  if (data.length === pixels) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  if (data.length !== 2 * pixels) throw new Error(`${data.length} bytes for ${info.width}x${info.height}`);
  const mask = new Uint8Array(pixels); // 16-bit samples: inside when either byte is non-zero
  for (let i = 0; i < pixels; i++) mask[i] = data[2 * i] | data[2 * i + 1] ? 1 : 0;
  return { width: info.width, height: info.height, data: mask };
}
