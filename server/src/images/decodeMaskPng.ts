import sharp from 'sharp';
import { ChexgenError } from '../errors.js';
import { decodeMaskImage } from './decodeMaskImage.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a base64 PNG mask (a `data:image/png;base64,` prefix is allowed): a pixel is inside when its first
 * channel is non-zero, as for the CLI's mask files. Refuses bad base64, non-PNG data and masks of more than
 * `maxPixels` pixels (checked from the header, before decoding) with INVALID_FIELD at `field`.
 */
export async function decodeMaskPng(base64: string, maxPixels: number, field: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const text = base64.replace(/^data:image\/png;base64,/, '').replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new ChexgenError('INVALID_FIELD', `${field}: not valid base64`, { field, status: 400 });
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < PNG_SIGNATURE.length || !bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw new ChexgenError('INVALID_FIELD', `${field}: not a PNG (the data must start with the PNG signature)`, { field, status: 400 });
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes).metadata());
  } catch (cause) {
    throw new ChexgenError('INVALID_FIELD', `${field}: not a readable PNG`, { field, status: 400, cause });
  }
  if (width === undefined || height === undefined || width < 1 || height < 1) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the PNG has no size`, { field, status: 400 });
  }
  if (width * height > maxPixels) {
    throw new ChexgenError('INVALID_FIELD', `${field}: ${width}x${height} is more than ${maxPixels} pixels (CHEXGEN_MAX_MASK_PIXELS)`, { field, status: 400 });
  }
  try {
    return await decodeMaskImage(bytes, maxPixels);
  } catch (cause) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the PNG could not be decoded`, { field, status: 400, cause });
  }
}
