import dcmjs from 'dcmjs';

const { nameMap } = dcmjs.data.DicomMetaDictionary;

/** Whether `name` is an attribute keyword of the DICOM dictionary (PatientName, StudyDate, ...), as QIDO takes them. */
export function isDicomKeyword(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name) && Object.hasOwn(nameMap, name);
}
