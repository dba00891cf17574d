import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ManifestSubject } from './cohortManifest.js';
import { renderContactSheet } from './renderContactSheet.js';

const subject = (n: number): ManifestSubject => ({
  subject: n, status: 'succeeded', StudyInstanceUID: '1.2.3', SeriesInstanceUIDs: [], delivered: true, sex: 'F', age: 60, ageBand: '60-69',
  view: 'PA', findings: [], boxes: [], maskLabels: [], layout: 'templates', prompt: 'x',
  generation: { model: 'm', seed: n, steps: 20, guidance: null, spatialGuidance: null, sampler: null }, jobId: `j${n}`, error: null,
});

/** The grey level at (x, y) of a PNG. */
async function greyAt(png: Buffer, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return data[y * info.width + x]!;
}

describe('renderContactSheet', () => {
  it('when a preview was purged, then its tile is a grey stand-in and the others show their image', async () => {
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#fff' } }).greyscale().png().toBuffer();
    const sheet = await renderContactSheet([
      { subject: subject(0), preview: white, resolution: 256 },
      { subject: subject(1), preview: undefined, resolution: 256 },
    ]);
    const { width } = await sharp(sheet).metadata();
    expect(width).toBe(2 * 192 + 4);
    expect(await greyAt(sheet, 20, 20)).toBeGreaterThan(240); // the image
    expect(Math.abs(await greyAt(sheet, 196 + 20, 20) - 0x44)).toBeLessThan(6); // the stand-in's grey, away from its text
  });
});
