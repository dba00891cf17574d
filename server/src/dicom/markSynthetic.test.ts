import { describe, expect, it } from 'vitest';
import { fixtureRecord } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { markSynthetic } from './markSynthetic.js';

describe('markSynthetic', () => {
  it('when a dataset is marked, then SyntheticData, the series description and the contributing model say so', () => {
    const original = { SeriesDescription: 'masks', Modality: 'SEG' };
    const marked = markSynthetic(original, fixtureRecord());
    expect(marked.SyntheticData).toBe('YES');
    expect(marked.SeriesDescription).toBe('SYNTHETIC masks');
    expect(marked.ContributingEquipmentSequence).toEqual([
      expect.objectContaining({
        ManufacturerModelName: 'cxr256-gpu-v1',
        SoftwareVersions: '1.0.0',
        PurposeOfReferenceCodeSequence: [{ CodeValue: '109102', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Processing Equipment' }],
      }),
    ]);
    expect(original).toEqual({ SeriesDescription: 'masks', Modality: 'SEG' }); // not mutated
  });

  it('when the description already says SYNTHETIC, then it is kept', () => {
    expect(markSynthetic({ SeriesDescription: 'SYNTHETIC x' }, fixtureRecord()).SeriesDescription).toBe('SYNTHETIC x');
  });
});
