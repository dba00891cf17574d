import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { createWriterContext } from './createWriterContext.js';
import { newSyntheticStudy, patientAge, SYNTHETIC_PATIENT_ID_PREFIX } from './newSyntheticStudy.js';

describe('newSyntheticStudy', () => {
  it('when sex and age are given, then the study carries them with invented identifiers and the context clock', () => {
    const study = newSyntheticStudy({ sex: 'F', age: 63 }, fixedContext());
    expect(study).toMatchObject({
      StudyInstanceUID: '2.25.1000001',
      StudyDate: '20260131',
      StudyTime: '142305',
      AccessionNumber: '',
      StudyDescription: 'SYNTHETIC chest radiograph (chexgen)',
      PatientSex: 'F',
      PatientAge: '063Y',
      PatientBirthDate: '',
    });
    const shortId = study.PatientName.replace('SYNTHETIC^', '');
    expect(shortId).toMatch(/^[0-9A-F]{8}$/);
    expect(study.PatientID).toBe(`${SYNTHETIC_PATIENT_ID_PREFIX}${shortId}`);
    expect(study.StudyID.length).toBeLessThanOrEqual(16);
  });

  it('when sex and age are unknown, then PatientSex is empty and PatientAge absent', () => {
    const study = newSyntheticStudy({ sex: null, age: null }, fixedContext());
    expect(study.PatientSex).toBe('');
    expect('PatientAge' in study).toBe(false);
  });

  it('when the same context is replayed, then the study is identical; with real UIDs, two studies differ', () => {
    expect(newSyntheticStudy({ sex: 'M', age: 5 }, fixedContext())).toEqual(newSyntheticStudy({ sex: 'M', age: 5 }, fixedContext()));
    const ctx = createWriterContext({ name: 'chexgen', version: 'test' });
    const a = newSyntheticStudy({}, ctx);
    const b = newSyntheticStudy({}, ctx);
    expect(a.StudyInstanceUID).not.toBe(b.StudyInstanceUID);
    expect(a.PatientID).not.toBe(b.PatientID);
  });

  it('when an age is formatted, then it is a 3-digit year count', () => {
    expect(patientAge(0)).toBe('000Y');
    expect(patientAge(7)).toBe('007Y');
    expect(patientAge(120)).toBe('120Y');
    expect(() => patientAge(-1)).toThrow(RangeError);
    expect(() => patientAge(2.5)).toThrow(RangeError);
  });
});
