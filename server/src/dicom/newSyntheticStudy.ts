import { createHash } from 'node:crypto';
import type { Sex } from '../conditions/conditionTypes.js';
import { dicomDateTime } from './dicomDateTime.js';
import type { WriterContext } from './WriterContext.js';

/**
 * Patient and study attributes shared by every object of one synthetic study (image, SEG, SR). All values are
 * invented here: nothing comes from a source study. Keys are DICOM keywords so writers can spread them.
 */
export type StudyIdentity = {
  StudyInstanceUID: string;
  StudyID: string;
  StudyDate: string;
  StudyTime: string;
  AccessionNumber: '';
  ReferringPhysicianName: '';
  StudyDescription: string;
  PatientName: string;
  PatientID: string;
  PatientBirthDate: '';
  PatientSex: Sex | '';
  /** `063Y`; absent when the request gave no age. */
  PatientAge?: string;
};

export const SYNTHETIC_STUDY_DESCRIPTION = 'SYNTHETIC chest radiograph (chexgen)';
export const SYNTHETIC_PATIENT_ID_PREFIX = 'CHEXGEN-SYN-';

/** DICOM AS for whole years, `000Y`-`120Y`. */
export function patientAge(years: number): string {
  if (!Number.isInteger(years) || years < 0 || years > 999) throw new RangeError(`patientAge: ${years}`);
  return `${String(years).padStart(3, '0')}Y`;
}

/**
 * A new synthetic patient and study: a fresh StudyInstanceUID, `SYNTHETIC^<id>` / `CHEXGEN-SYN-<id>` where `<id>`
 * is derived from that UID, sex and age as requested, StudyDate/Time from `ctx.now()`, empty accession number.
 */
export function newSyntheticStudy(request: { sex?: Sex | null; age?: number | null }, ctx: WriterContext): StudyIdentity {
  const studyUid = ctx.uid();
  const shortId = createHash('sha256').update(studyUid).digest('hex').slice(0, 8).toUpperCase();
  const { date, time } = dicomDateTime(ctx.now());
  const study: StudyIdentity = {
    StudyInstanceUID: studyUid,
    StudyID: `SYN${shortId}`,
    StudyDate: date,
    StudyTime: time,
    AccessionNumber: '',
    ReferringPhysicianName: '',
    StudyDescription: SYNTHETIC_STUDY_DESCRIPTION,
    PatientName: `SYNTHETIC^${shortId}`,
    PatientID: `${SYNTHETIC_PATIENT_ID_PREFIX}${shortId}`,
    PatientBirthDate: '',
    PatientSex: request.sex ?? '',
  };
  if (request.age !== undefined && request.age !== null) study.PatientAge = patientAge(request.age);
  return study;
}
