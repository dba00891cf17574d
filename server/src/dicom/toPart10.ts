import dcmjs from 'dcmjs';
import type { NaturalizedDataset } from './WriterContext.js';

const { DicomMetaDictionary, DicomDict } = dcmjs.data;

/** This implementation's fixed identity in the file meta header (a UUID-derived UID minted once for chexgen). */
export const IMPLEMENTATION_CLASS_UID = '2.25.191369865935628916142489701328187090889';
export const IMPLEMENTATION_VERSION_NAME = 'CHEXGEN_1';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const META_KEYS = new Set(['_vrMap', '_meta']);

// dcmjs silently drops attributes whose keyword it does not know; a typo must fail loudly instead.
function assertKnownKeywords(dataset: NaturalizedDataset, path: string): void {
  for (const [keyword, value] of Object.entries(dataset)) {
    if (META_KEYS.has(keyword) || value === undefined) continue;
    const entry = DicomMetaDictionary.nameMap[keyword];
    if (entry === undefined) throw new Error(`toPart10: unknown DICOM keyword "${path}${keyword}"`);
    if (entry.vr === 'SQ' && value !== null) {
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item: NaturalizedDataset, i) => assertKnownKeywords(item, `${path}${keyword}[${i}].`));
    }
  }
}

/**
 * The only DICOM encoder: a naturalized dataset -> Part 10 bytes (128-byte preamble, `DICM`, file meta group,
 * explicit VR little endian). The file meta is derived from SOPClassUID / SOPInstanceUID; any `_meta` read from a
 * file is ignored. Throws on an attribute keyword dcmjs does not know.
 */
export function toPart10(dataset: NaturalizedDataset): Uint8Array {
  assertKnownKeywords(dataset, '');
  const { _meta: _ignored, ...body } = dataset;
  const sopClassUid = body.SOPClassUID;
  const sopInstanceUid = body.SOPInstanceUID;
  if (typeof sopClassUid !== 'string' || typeof sopInstanceUid !== 'string') {
    throw new Error('toPart10: the dataset needs SOPClassUID and SOPInstanceUID');
  }
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  });
  const file = new DicomDict(meta);
  file.dict = DicomMetaDictionary.denaturalizeDataset(body);
  return new Uint8Array(file.write());
}
