import { describe, expect, it } from 'vitest';
import { imageWindow } from './imageWindow.js';

describe('imageWindow', () => {
  it('when pixels span a range with a few outliers, then the window covers the 1%..99% quantiles', () => {
    const pixels = new Uint16Array(1000);
    for (let i = 0; i < 1000; i++) pixels[i] = 1000 + i; // 1000..1999
    pixels[0] = 0;
    pixels[999] = 65535;
    const { center, width } = imageWindow(pixels);
    expect(width).toBe(1989 - 1010 + 1); // sorted ranks 10 and 989 of 1000
    expect(center).toBe(Math.round(1010 + width / 2));
  });

  it('when the image is flat, then the width is still at least 2', () => {
    expect(imageWindow(new Uint16Array(16).fill(500))).toEqual({ center: 501, width: 2 });
  });
});
