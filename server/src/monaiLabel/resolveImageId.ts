import { ChexgenError } from '../errors.js';
import { firstString, TAG } from '../dicom/dicomJson.js';
import type { DicomStore } from '../pacs/DicomStore.js';

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** Where an `?image=` id points in the store. */
export type ImageLocation = { StudyInstanceUID: string; SeriesInstanceUID?: string; SOPInstanceUID?: string };

/**
 * The `image` of a MONAI Label request: `""` (none: MONAI Label clients send an empty string for no source) or the
 * StudyInstanceUID, SeriesInstanceUID (what MONAI Label's OHIF plugin sends) or SOPInstanceUID of something in the
 * store, looked up in that order with QIDO. INVALID_FIELD for an id that is not a UID, NOT_FOUND for one the store
 * does not hold (both on field `image`).
 */
export async function resolveImageId(store: DicomStore, image: string): Promise<ImageLocation | undefined> {
  if (image === '') return undefined;
  if (image.length > 64 || !UID.test(image)) {
    throw new ChexgenError('INVALID_FIELD', 'image: must be empty (no source) or the StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID of an object in the DICOM store', { field: 'image', status: 400 });
  }
  if ((await store.searchStudies({ StudyInstanceUID: image, limit: 1 })).length > 0) return { StudyInstanceUID: image };
  const [series] = await store.searchAllSeries({ SeriesInstanceUID: image, limit: 1 });
  const seriesStudy = series === undefined ? undefined : firstString(series, TAG.StudyInstanceUID);
  if (seriesStudy !== undefined) return { StudyInstanceUID: seriesStudy, SeriesInstanceUID: image };
  const [instance] = await store.searchAllInstances({ SOPInstanceUID: image, limit: 1 });
  const study = instance === undefined ? undefined : firstString(instance, TAG.StudyInstanceUID);
  const seriesUid = instance === undefined ? undefined : firstString(instance, TAG.SeriesInstanceUID);
  if (study !== undefined && seriesUid !== undefined) return { StudyInstanceUID: study, SeriesInstanceUID: seriesUid, SOPInstanceUID: image };
  throw new ChexgenError('NOT_FOUND', `image: no study, series or instance ${image} in the DICOM store`, { field: 'image', status: 404 });
}
