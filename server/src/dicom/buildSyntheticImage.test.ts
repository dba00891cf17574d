import { describe, expect, it } from 'vitest';
import { fixedContext, fixtureImage, fixtureRecord } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { buildSyntheticImage, SECONDARY_CAPTURE_SOP_CLASS_UID } from './buildSyntheticImage.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { readPart10 } from './readPart10.js';
import { toPart10 } from './toPart10.js';

function build(overrides: Partial<ReturnType<typeof fixtureRecord>> = {}) {
  const ctx = fixedContext();
  const record = { ...fixtureRecord(), ...overrides };
  const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
  return { dataset: buildSyntheticImage(fixtureImage(64), study, record, ctx), study, record };
}

describe('buildSyntheticImage', () => {
  it('when built twice with the same inputs and a fixed context, then the Part 10 bytes are identical', () => {
    expect(Buffer.from(toPart10(build().dataset)).equals(Buffer.from(toPart10(build().dataset)))).toBe(true);
  });

  it('when built, then it is a synthetic 16-bit MONOCHROME2 Secondary Capture DX image of the study', () => {
    const { dataset, study } = build();
    expect(dataset).toMatchObject({
      SOPClassUID: SECONDARY_CAPTURE_SOP_CLASS_UID,
      StudyInstanceUID: study.StudyInstanceUID,
      SeriesInstanceUID: '2.25.1000002',
      SOPInstanceUID: '2.25.1000003',
      Modality: 'DX',
      ConversionType: 'SYN',
      ImageType: ['DERIVED', 'SECONDARY'],
      BurnedInAnnotation: 'NO',
      PatientOrientation: ['L', 'F'],
      ViewPosition: 'PA',
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      Rows: 64,
      Columns: 64,
      SyntheticData: 'YES',
      _vrMap: { PixelData: 'OW' },
    });
    for (const key of ['SeriesDescription', 'ImageComments'] as const) {
      expect(dataset[key]).toContain('SYNTHETIC');
      expect(dataset[key]).toContain('cxr256-gpu-v1 1.0.0');
    }
    expect('Laterality' in dataset).toBe(false);
    expect(dataset.WindowWidth).toBeGreaterThan(1);
  });

  it('when written and read back, then the pixels are unchanged', () => {
    const back = readPart10(toPart10(build().dataset));
    const pixels = new Uint16Array((back.PixelData as ArrayBuffer[])[0]);
    expect(pixels).toEqual(fixtureImage(64).pixels);
    expect(back.SyntheticData).toBe('YES');
  });

  it('when the view is lateral or unknown, then no ViewPosition is sent; a lateral has an empty orientation', () => {
    const lateral = build({ view: 'lateral' }).dataset;
    expect('ViewPosition' in lateral).toBe(false);
    expect(lateral.PatientOrientation).toBe('');
    expect('ViewPosition' in build({ view: null }).dataset).toBe(false);
    expect(build({ view: 'AP supine' }).dataset.ViewPosition).toBe('AP');
  });

  it('when the pixel count does not match the size, then it throws', () => {
    const ctx = fixedContext();
    const study = newSyntheticStudy({}, ctx);
    expect(() => buildSyntheticImage({ width: 4, height: 4, pixels: new Uint16Array(15) }, study, fixtureRecord(), ctx)).toThrow(/15 pixels/);
  });
});
