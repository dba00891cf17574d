/** A VOI window (DICOM WindowCenter / WindowWidth, PS3.3 C.11.2.1.2). */
export type ImageWindow = { center: number; width: number };

/**
 * A display window from the pixel value of sorted rank floor(n * lowFraction) to that of rank
 * ceil(n * (1 - lowFraction)) - 1 (about the 1% / 99% quantiles by default), so a few extreme pixels do not flatten
 * the contrast. Integers; width at least 2.
 */
export function imageWindow(pixels: Uint16Array, lowFraction = 0.01): ImageWindow {
  if (pixels.length === 0) throw new Error('imageWindow: no pixels');
  const histogram = new Uint32Array(65536);
  for (const v of pixels) histogram[v]++;
  const lowCount = Math.floor(pixels.length * lowFraction);
  const highCount = Math.ceil(pixels.length * (1 - lowFraction));
  let low = 0;
  let high = 65535;
  let seen = 0;
  let lowFound = false;
  for (let v = 0; v < 65536; v++) {
    seen += histogram[v];
    if (!lowFound && seen > lowCount) {
      low = v;
      lowFound = true;
    }
    if (seen >= highCount) {
      high = v;
      break;
    }
  }
  const width = Math.max(2, high - low + 1);
  return { center: Math.round(low + width / 2), width };
}
