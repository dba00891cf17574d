/**
 * DICOM JSON (PS3.18 F.2) as DICOMweb speaks it: a dataset is an object keyed by 8-digit upper-case hex tags.
 * Only the shapes and tags the stores and their readers need live here.
 */

/** One attribute: a VR and either values, a bulk data reference or inline base64 bytes. */
export type DicomJsonElement = {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
};

/** A dataset in DICOM JSON form, e.g. `{ "0020000D": { vr: "UI", Value: ["1.2.3"] } }`. */
export type DicomJsonDataset = Record<string, DicomJsonElement>;

/** Tags by keyword, for the attributes QIDO matches on and returns, and those STOW replies use. */
export const TAG = {
  SpecificCharacterSet: '00080005',
  ImageType: '00080008',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  StudyTime: '00080030',
  SeriesTime: '00080031',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  ReferringPhysicianName: '00080090',
  RetrieveURL: '00081190',
  FailureReason: '00081197',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  PatientAge: '00101010',
  BodyPartExamined: '00180015',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  SamplesPerPixel: '00280002',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  BitsAllocated: '00280100',
  PerformedProcedureStepStartDate: '00400244',
  PixelData: '7FE00010',
} as const;

/** A keyword of {@link TAG}. */
export type TagKeyword = keyof typeof TAG;

/** The first value of an attribute as a string (a PN gives its Alphabetic group), or undefined when absent. */
export function firstString(dataset: DicomJsonDataset, tag: string): string | undefined {
  const value = dataset[tag]?.Value?.[0];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic : undefined;
  }
  return String(value);
}

/** The first value of an attribute as a number, or undefined when absent or not numeric. */
export function firstNumber(dataset: DicomJsonDataset, tag: string): number | undefined {
  const value = dataset[tag]?.Value?.[0];
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** The items of a sequence attribute (an empty SQ gives none: Orthanc always sends an empty 00081198). */
export function sequenceItems(dataset: DicomJsonDataset, tag: string): DicomJsonDataset[] {
  const items = dataset[tag]?.Value ?? [];
  return items.filter((item): item is DicomJsonDataset => typeof item === 'object' && item !== null);
}

/** Copies the listed attributes that the dataset has, in tag order. */
export function pickAttributes(dataset: DicomJsonDataset, tags: readonly string[]): DicomJsonDataset {
  const picked: DicomJsonDataset = {};
  for (const tag of [...tags].sort()) {
    const element = dataset[tag];
    if (element !== undefined) picked[tag] = element;
  }
  return picked;
}
