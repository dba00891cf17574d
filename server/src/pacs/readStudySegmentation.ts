import type { BinaryMask } from '../conditions/conditionTypes.js';
import { readPart10 } from '../dicom/readPart10.js';
import { readSegmentationMasks, type SegMaskLimits } from '../dicom/readSegmentationMasks.js';
import { ChexgenError } from '../errors.js';
import { firstString, TAG, type DicomStore } from './index.js';

const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The masks of a DICOM SEG in a store (e.g. a segmentation drawn in the viewer): the SEG series `seriesUid` of the
 * study, or its first SEG series when none is named. Errors name `field` (e.g. `masks[0].seg` or `--seg`):
 * INVALID_FIELD for a malformed UID, an unsupported SEG or one beyond `limits` (the request's mask limits), PACS_NOT_FOUND
 * when the study has no such SEG.
 */
export async function readStudySegmentation(store: DicomStore, studyUid: string, seriesUid: string | undefined, field: string, limits: SegMaskLimits): Promise<BinaryMask[]> {
  if (!UID.test(studyUid) || studyUid.length > 64) throw new ChexgenError('INVALID_FIELD', `${field}: "${studyUid.slice(0, 70)}" is not a StudyInstanceUID`, { field, status: 400 });
  if (seriesUid !== undefined && (!UID.test(seriesUid) || seriesUid.length > 64)) {
    throw new ChexgenError('INVALID_FIELD', `${field}: "${seriesUid.slice(0, 70)}" is not a SeriesInstanceUID`, { field, status: 400 });
  }
  for (const series of await store.searchSeries(studyUid)) {
    if (firstString(series, TAG.Modality) !== 'SEG') continue;
    const uid = firstString(series, TAG.SeriesInstanceUID) ?? '';
    if (seriesUid !== undefined && uid !== seriesUid) continue;
    const [instance] = await store.searchInstances(studyUid, uid);
    if (instance === undefined) continue;
    const dataset = readPart10(await store.retrieveInstance(studyUid, uid, firstString(instance, TAG.SOPInstanceUID) ?? ''));
    try {
      return readSegmentationMasks(dataset, limits);
    } catch (error) {
      if (error instanceof ChexgenError) throw new ChexgenError(error.code, `${field}: ${error.message.replace(/^seg: /, '')}`, { field, status: 400, cause: error });
      throw error;
    }
  }
  const which = seriesUid === undefined ? 'no SEG series' : `no SEG series ${seriesUid}`;
  throw new ChexgenError('PACS_NOT_FOUND', `${field}: study ${studyUid} has ${which} in the store`, { field, status: 422 });
}
