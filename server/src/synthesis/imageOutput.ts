/** One synthesized image: 16-bit grayscale, row-major, MONOCHROME2 (0 = black). */
export type GrayImage16 = { width: number; height: number; pixels: Uint16Array };

/** The decoder's [-1, 1] floats -> the full 16-bit range (values outside [-1, 1] are clipped). */
export function toGray16(image: Float32Array, width: number, height: number): GrayImage16 {
  if (image.length !== width * height) throw new Error(`toGray16: ${image.length} values for ${width}x${height}`);
  const pixels = new Uint16Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = Math.min(1, Math.max(-1, image[i]));
    pixels[i] = Math.round((v + 1) * 32767.5);
  }
  return { width, height, pixels };
}
