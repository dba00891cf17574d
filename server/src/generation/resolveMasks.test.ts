import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { parseSynthesisRequest, type RequestLimits } from '../synthesis/synthesisRequest.js';
import { resolveMasks } from './resolveMasks.js';

const LIMITS: RequestLimits = {
  maxTextLength: 2000, maxBoxes: 64, maxMasks: 16, maxMaskPixels: 16_777_216, maxCount: 16, maxSteps: 100,
  maxMaskRuns: 100_000, maxRequestMaskPixels: 4 * 1024 * 1024,
};

/** A checkerboard mask PNG: deflate squeezes it to a few KB, but every pixel starts a new run (a "mask bomb"). */
async function checkerboardPng(size: number): Promise<string> {
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels[y * size + x] = (x + y) & 1 ? 255 : 0;
  return (await sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png({ compressionLevel: 9 }).toBuffer()).toString('base64');
}

/** What every entry point does with a request's masks: validate the request once, then resolve its mask sources. */
async function parseAndResolve(body: unknown, limits = LIMITS) {
  const request = parseSynthesisRequest(body, limits);
  return resolveMasks(request.masks ?? [], limits);
}

async function refusal(body: unknown, limits = LIMITS): Promise<ChexgenError> {
  const error = await parseAndResolve(body, limits).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ChexgenError)) throw new Error(`expected a ChexgenError, got ${String(error)}`);
  return error;
}

describe('parseSynthesisRequest + resolveMasks: mask bombs (issue 13, item 5)', () => {
  it('when a small checkerboard PNG decodes to more runs than CHEXGEN_MAX_MASK_RUNS, then it is refused naming the mask', async () => {
    const png = await checkerboardPng(1024); // about a million runs
    expect(png.length).toBeLessThan(20_000);
    const error = await refusal({ text: 'x', masks: [{ label: 'heart', png }] });
    expect(error.status).toBe(400);
    expect(error.field).toBe('masks[0].png');
    expect(error.message).toMatch(/1047553 runs.*at most 100000 \(CHEXGEN_MAX_MASK_RUNS\)/);
  });

  it('when run lengths are sent with more runs than the cap, then rle is refused before decoding', async () => {
    const rle = Array.from({ length: 100_002 }, () => 1);
    const error = await refusal({ text: 'x', masks: [{ label: 'heart', width: 400, height: 251, rle }] });
    expect(error.field).toBe('masks[0].rle');
    expect(error.message).toContain('CHEXGEN_MAX_MASK_RUNS');
  });

  it('when the masks of one request decode to more pixels together than CHEXGEN_MAX_REQUEST_MASK_PIXELS, then the request is refused', async () => {
    const mask = { label: 'heart', width: 2048, height: 1024, rle: [2048 * 1024] };
    const error = await refusal({ text: 'x', masks: [mask, mask, { ...mask, label: 'left_lung' }] });
    expect(error.field).toBe('masks[2]');
    expect(error.message).toMatch(/6291456 pixels.*at most 4194304 \(CHEXGEN_MAX_REQUEST_MASK_PIXELS\)/);
  });

  it('when a realistic mask stays within the caps, then it is accepted as run lengths', async () => {
    const size = 512;
    const pixels = new Uint8Array(size * size);
    for (let y = 100; y < 400; y++) pixels.fill(255, y * size + 120, y * size + 260);
    const png = (await sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer()).toString('base64');
    const [mask] = await parseAndResolve({ text: 'x', masks: [{ label: 'heart', png }] });
    expect(mask).toMatchObject({ label: 'heart', width: 512, height: 512 });
    expect(mask?.rle.length).toBe(601);
  });
});
