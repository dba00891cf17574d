import sharp from 'sharp';
import { imageWindow } from '../dicom/imageWindow.js';
import type { GrayImage16 } from '../synthesis/imageOutput.js';

/**
 * An 8-bit grayscale PNG of a 16-bit image for quick looks (the API's previewUrl): windowed like the DICOM image
 * (about the 1% / 99% quantiles, see imageWindow), so the preview shows what the viewer shows at first.
 */
export async function renderPreviewPng(image: GrayImage16): Promise<Buffer> {
  const { center, width } = imageWindow(image.pixels);
  const low = center - width / 2;
  const bytes = new Uint8Array(image.pixels.length);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Math.max(0, Math.min(255, Math.round(((image.pixels[i] - low) / width) * 255)));
  }
  return sharp(bytes, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
}
