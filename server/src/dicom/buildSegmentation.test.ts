import { describe, expect, it } from 'vitest';
import {
  ellipseMask, fixedContext, fixtureImage, fixtureRecord, IMAGE_SIZE, MODEL_CHANNELS, MODEL_SIZE,
} from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { decodeRuns } from '../conditions/runLength.js';
import { resampleMask } from '../conditions/resampleMask.js';
import { buildSegmentation, SEGMENTATION_SOP_CLASS_UID } from './buildSegmentation.js';
import { buildSyntheticImage } from './buildSyntheticImage.js';
import { masksFromRecord } from './masksFromRecord.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { readPart10 } from './readPart10.js';
import { toPart10 } from './toPart10.js';

function setup(imageSize = IMAGE_SIZE, record = fixtureRecord()) {
  const ctx = fixedContext();
  const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
  const image = buildSyntheticImage(fixtureImage(imageSize), study, record, ctx);
  return { ctx, study, image, record };
}

function bit(bytes: Uint8Array, i: number): number {
  return (bytes[i >> 3] >> (i & 7)) & 1;
}

describe('masksFromRecord', () => {
  it('when the record has mask and box planes, then only the present mask channels come back, in channel order', () => {
    const record = fixtureRecord();
    const masks = masksFromRecord(record, MODEL_CHANNELS);
    expect(masks.map((m) => m.label)).toEqual(['right_lung', 'left_lung', 'heart']);
    expect(masks[0].width).toBe(MODEL_SIZE);
    expect(masks[2].data).toEqual(decodeRuns(record.planes.channels[2].runs, MODEL_SIZE * MODEL_SIZE, 'runs'));
  });

  it('when a mask channel was not given, then it is omitted; with none, there is nothing', () => {
    const heartOnly = fixtureRecord({ masks: [ellipseMask('heart', 64, 0.5, 0.6, 0.2, 0.2)] });
    expect(masksFromRecord(heartOnly, MODEL_CHANNELS).map((m) => m.label)).toEqual(['heart']);
    expect(masksFromRecord(fixtureRecord({ masks: [] }), MODEL_CHANNELS)).toEqual([]);
  });
});

describe('resampleMask', () => {
  it('when a 2x2 mask goes to 4x4, then each source pixel covers a 2x2 block', () => {
    const out = resampleMask({ label: 'x', width: 2, height: 2, data: new Uint8Array([1, 0, 0, 1]) }, 4, 4);
    expect([...out]).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
});

describe('buildSegmentation', () => {
  it('when written, then the shared groups carry pixel measures and orientation and every frame names its source image (OHIF needs all three)', () => {
    const { ctx, study, image, record } = setup(4);
    const seg = buildSegmentation([{ label: 'heart', width: 4, height: 4, data: new Uint8Array(16).fill(1) }, { label: 'left_lung', width: 4, height: 4, data: new Uint8Array(16) }], image, study, record, ctx);
    const shared = (seg!.SharedFunctionalGroupsSequence as Record<string, unknown>[])[0];
    expect(shared).toMatchObject({ PixelMeasuresSequence: [{ PixelSpacing: [1, 1] }], PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }] });
    const frames = seg!.PerFrameFunctionalGroupsSequence as Record<string, any>[];
    expect(frames).toHaveLength(2);
    for (const frame of frames) {
      expect(frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID).toBe(image.SOPInstanceUID);
    }
  });

  it('when masks of known content are given, then frames are resampled, concatenated and packed LSB first', () => {
    const { ctx, study, image, record } = setup(4);
    const heart = new Uint8Array(16);
    heart[6] = 1; // row 1, column 2
    const seg = buildSegmentation(
      [{ label: 'Right Lung', width: 2, height: 2, data: new Uint8Array([1, 0, 0, 1]) }, { label: 'heart', width: 4, height: 4, data: heart }],
      image, study, record, ctx,
    );
    expect(seg).not.toBeNull();
    // frame 1: bits 0,1,4,5 | 10,11,14,15; frame 2 starts at bit 16: bit 22
    expect([...new Uint8Array(seg!.PixelData as ArrayBuffer)]).toEqual([0x33, 0xcc, 0x40, 0x00]);
    expect(seg).toMatchObject({ NumberOfFrames: 2, Rows: 4, Columns: 4, BitsAllocated: 1, SegmentationType: 'BINARY', _vrMap: { PixelData: 'OB' } });
  });

  it('when built from a record, then it is a synthetic BINARY SEG of the image with one coded segment per mask', () => {
    const { ctx, study, image, record } = setup();
    const seg = buildSegmentation(masksFromRecord(record, MODEL_CHANNELS), image, study, record, ctx)!;
    expect(seg).toMatchObject({
      SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
      StudyInstanceUID: study.StudyInstanceUID,
      Modality: 'SEG',
      SyntheticData: 'YES',
      Rows: IMAGE_SIZE,
      Columns: IMAGE_SIZE,
      NumberOfFrames: 3,
      ReferencedSeriesSequence: [{ SeriesInstanceUID: image.SeriesInstanceUID, ReferencedInstanceSequence: [{ ReferencedSOPInstanceUID: image.SOPInstanceUID }] }],
    });
    const segments = seg.SegmentSequence as Record<string, unknown>[];
    expect(segments.map((s) => (s.SegmentedPropertyTypeCodeSequence as { CodeValue: string }[])[0].CodeValue)).toEqual(['3341006', '44029006', '80891009']);
    expect(segments.every((s) => (s.SegmentedPropertyCategoryCodeSequence as { CodeValue: string }[])[0].CodeValue === '123037004')).toBe(true);
    const frames = seg.PerFrameFunctionalGroupsSequence as Record<string, { ReferencedSegmentNumber?: number }[]>[];
    expect(frames.map((f) => f.SegmentIdentificationSequence[0].ReferencedSegmentNumber)).toEqual([1, 2, 3]);
    // nearest neighbour 256 -> 512: image pixel (r, c) of frame k is plane pixel (r/2, c/2)
    const bytes = new Uint8Array(seg.PixelData as ArrayBuffer);
    const planes = record.planes.channels.slice(0, 3).map((p) => decodeRuns(p.runs, MODEL_SIZE * MODEL_SIZE, 'runs'));
    for (let k = 0; k < 3; k++) {
      let setBits = 0;
      for (let i = 0; i < IMAGE_SIZE * IMAGE_SIZE; i++) setBits += bit(bytes, k * IMAGE_SIZE * IMAGE_SIZE + i);
      expect(setBits).toBe(4 * planes[k].reduce((a, b) => a + b, 0));
      expect(setBits).toBeGreaterThan(1000);
      for (const [r, c] of [[100, 150], [230, 153], [301, 300], [256, 128], [320, 290]]) {
        expect(bit(bytes, k * IMAGE_SIZE * IMAGE_SIZE + r * IMAGE_SIZE + c)).toBe(planes[k][(r >> 1) * MODEL_SIZE + (c >> 1)]);
      }
    }
  });

  it('when built twice with a fixed context, then the bytes are identical and read back intact', () => {
    const build = () => {
      const { ctx, study, image, record } = setup();
      return toPart10(buildSegmentation(masksFromRecord(record, MODEL_CHANNELS), image, study, record, ctx)!);
    };
    const bytes = build();
    expect(Buffer.from(bytes).equals(Buffer.from(build()))).toBe(true);
    expect(readPart10(bytes).DimensionIndexSequence).toMatchObject([{ DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a }]);
  });

  it('when there is no mask, then there is no SEG', () => {
    const { ctx, study, image, record } = setup(8);
    expect(buildSegmentation([], image, study, record, ctx)).toBeNull();
  });

  it('when a mask label has no anatomy code or the image is of another study, then it throws', () => {
    const { ctx, study, image, record } = setup(8);
    const mask = { label: 'clavicle', width: 1, height: 1, data: new Uint8Array([1]) };
    expect(() => buildSegmentation([mask], image, study, record, ctx)).toThrow(/clavicle/);
    const other = { ...image, StudyInstanceUID: '2.25.9' };
    expect(() => buildSegmentation([{ ...mask, label: 'heart' }], other, study, record, ctx)).toThrow(/another study/);
  });
});
