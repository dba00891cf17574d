import { describe, expect, it } from 'vitest';
import { MODEL_CHANNELS, fixedContext, fixtureImage, fixtureRecord } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { buildSyntheticImage } from './buildSyntheticImage.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { buildSegmentation } from './buildSegmentation.js';
import { masksFromRecord } from './masksFromRecord.js';
import { readPart10 } from './readPart10.js';
import { readSegmentationMasks } from './readSegmentationMasks.js';
import { toPart10 } from './toPart10.js';
import { segSizeLie } from '../bench/hostileDicom.js';

const LIMITS = { maxMaskPixels: 16_777_216, maxMasks: 16 };

describe('readSegmentationMasks', () => {
  it('when our SEG is encoded and read back, then every mask returns with its label and pixels', () => {
    const record = fixtureRecord();
    const ctx = fixedContext();
    const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
    const image = buildSyntheticImage(fixtureImage(), study, record, ctx);
    const masks = masksFromRecord(record, MODEL_CHANNELS);
    const seg = buildSegmentation(masks, image, study, record, ctx);
    if (seg === null) throw new Error('fixture has masks');
    const back = readSegmentationMasks(readPart10(toPart10(seg)), LIMITS);
    expect(back.map((m) => m.label)).toEqual(masks.map((m) => m.label));
    expect(back[0].width).toBe(Number(image.Columns));
    // the SEG holds the masks upsampled 256 -> 512 by nearest neighbour; sampling pixel centres restores them
    back.forEach((m, i) => {
      const src = masks[i];
      const restored = new Uint8Array(src.width * src.height);
      for (let r = 0; r < src.height; r++) for (let c = 0; c < src.width; c++) {
        restored[r * src.width + c] = m.data[Math.floor(((r + 0.5) * m.height) / src.height) * m.width + Math.floor(((c + 0.5) * m.width) / src.width)];
      }
      expect(restored.map((v) => (v ? 1 : 0))).toEqual(src.data.map((v) => (v ? 1 : 0)));
      expect(restored.some((v) => v === 1)).toBe(true);
    });
  });

  it('when the instance is not a SEG, then the error says so', () => {
    expect(() => readSegmentationMasks({ SOPClassUID: '1.2.3' }, LIMITS)).toThrow(/not a DICOM Segmentation/);
  });

  it('when a 1 KB SEG claims 8192 x 8192 frames, then it is refused by the mask pixel limit before anything is allocated', () => {
    const lie = segSizeLie();
    expect(lie.bytes.length).toBeLessThan(1200);
    expect(() => readSegmentationMasks(readPart10(lie.bytes), LIMITS)).toThrow(/Rows x Columns 8192x8192 is more than 16777216 pixels \(CHEXGEN_MAX_MASK_PIXELS\)/);
  });

  it('when a SEG within the pixel limit claims more frames than its Pixel Data holds, then it is refused from the real data length', () => {
    const lie = segSizeLie({ rows: 64, columns: 64, frames: 3 });
    expect(() => readSegmentationMasks(readPart10(lie.bytes), LIMITS)).toThrow(/Pixel Data holds 64 bytes; 3 frame\(s\) of 64x64 need 1536/);
  });

  it('when a SEG has more frames than masks a request may have, then it is refused naming CHEXGEN_MAX_MASKS', () => {
    const lie = segSizeLie({ rows: 8, columns: 8, frames: 40 });
    expect(() => readSegmentationMasks(readPart10(lie.bytes), { maxMaskPixels: 64, maxMasks: 16 })).toThrow(/40 frames.*CHEXGEN_MAX_MASKS/);
  });
});
