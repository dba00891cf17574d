import { describe, expect, it } from 'vitest';
import { MODEL_CHANNELS, fixedContext, fixtureImage, fixtureRecord } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { buildSyntheticImage } from './buildSyntheticImage.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { buildSegmentation } from './buildSegmentation.js';
import { masksFromRecord } from './masksFromRecord.js';
import { readPart10 } from './readPart10.js';
import { readSegmentationMasks } from './readSegmentationMasks.js';
import { toPart10 } from './toPart10.js';

describe('readSegmentationMasks', () => {
  it('when our SEG is encoded and read back, then every mask returns with its label and pixels', () => {
    const record = fixtureRecord();
    const ctx = fixedContext();
    const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
    const image = buildSyntheticImage(fixtureImage(), study, record, ctx);
    const masks = masksFromRecord(record, MODEL_CHANNELS);
    const seg = buildSegmentation(masks, image, study, record, ctx);
    if (seg === null) throw new Error('fixture has masks');
    const back = readSegmentationMasks(readPart10(toPart10(seg)));
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
    expect(() => readSegmentationMasks({ SOPClassUID: '1.2.3' })).toThrow(/not a DICOM Segmentation/);
  });
});
