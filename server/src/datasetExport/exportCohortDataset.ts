import sharp from 'sharp';
import { cohortManifestCsv, type CohortManifest } from '../cohorts/cohortManifest.js';
import { readPart10 } from '../dicom/readPart10.js';
import { readSegmentationMasks, type SegMaskLimits } from '../dicom/readSegmentationMasks.js';
import { SEGMENTATION_SOP_CLASS_UID } from '../dicom/buildSegmentation.js';
import { ChexgenError } from '../errors.js';
import { firstString, TAG } from '../dicom/dicomJson.js';
import type { DicomStore } from '../pacs/DicomStore.js';
import { monaiDatalist, monaiLabelDatastore, subjectFiles, validationSubjects, type ExportedSubject } from './datasetIndex.js';
import { encodeNifti2d } from './encodeNifti.js';
import { buildLabelMap } from './labelMap.js';

/** One file of an exported dataset, relative to its folder. */
export type DatasetFile = { path: string; bytes: Buffer };

export type DatasetExportOptions = {
  store: DicomStore;
  /** The label classes, in label-value order (the model's mask labels: right_lung, left_lung, heart). */
  classes: readonly string[];
  /** Share of the made subjects listed under `validation` (default 0.2). */
  validationFraction?: number;
  /** Limits a SEG read from the store is held to (CHEXGEN_MAX_MASK_PIXELS, CHEXGEN_MAX_MASKS). */
  segLimits: SegMaskLimits;
};

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/**
 * A cohort as a training dataset, file by file (an async generator, so a caller can write a folder or stream a zip
 * without holding the dataset in memory). For every subject made so far: the synthetic image and the label map of
 * its conditioning masks, both read back from the DICOM store (the image's 16-bit pixels; the SEG's segments as one
 * label map, see buildLabelMap), as NIfTI (`<id>.nii.gz`, `labels/final/<id>.nii.gz`: MONAI Label's local datastore
 * layout) and PNG (`png/images`, 16-bit; `png/labels`, 8-bit values); then `dataset.json` (MONAI datalist),
 * `datastore_v2.json` (MONAI Label datastore index) and the cohort manifest. Subjects not made are left out (the
 * manifest lists them). NOT_FOUND when no subject is made yet.
 */
export async function* exportCohortDataset(manifest: CohortManifest, options: DatasetExportOptions): AsyncGenerator<DatasetFile> {
  const made = manifest.subjects.filter((s) => s.status === 'succeeded' && s.StudyInstanceUID !== null);
  if (made.length === 0) throw new ChexgenError('NOT_FOUND', `cohort ${manifest.cohort.id} has no image yet`, { field: 'id', status: 404 });
  const exported: ExportedSubject[] = [];
  for (const subject of made) {
    const files = subjectFiles(manifest.cohort.id, subject.subject);
    const { image, masks } = await readSubject(options.store, subject.StudyInstanceUID ?? '', options.segLimits);
    const labels = buildLabelMap(masks, options.classes, image.width, image.height);
    const description = `SYNTHETIC chexgen cohort ${manifest.cohort.id.slice(0, 8)} subject ${subject.subject}`;
    yield { path: files.image, bytes: encodeNifti2d({ ...image, description }) };
    yield { path: files.label, bytes: encodeNifti2d({ width: image.width, height: image.height, data: labels.data, description: `labels ${options.classes.join(',')}`.slice(0, 79) }) };
    yield { path: files.imagePng, bytes: await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer() };
    yield { path: files.labelPng, bytes: await sharp(labels.data, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer() };
    exported.push({ subject, files, overlapPixels: labels.overlapPixels, width: image.width, height: image.height });
  }
  const validation = validationSubjects(exported.map((e) => e.subject.subject), options.validationFraction ?? 0.2, manifest.cohort.seed);
  yield { path: 'dataset.json', bytes: json(monaiDatalist(manifest, exported, options.classes, validation)) };
  yield { path: 'datastore_v2.json', bytes: json(monaiLabelDatastore(manifest, exported)) };
  yield { path: 'manifest.json', bytes: json(manifest) };
  yield { path: 'manifest.csv', bytes: Buffer.from(cohortManifestCsv(manifest), 'utf8') };
}

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** The synthetic image (16-bit pixels) of a study and the masks of its SEG (none when it has no SEG). */
async function readSubject(store: DicomStore, studyUid: string, segLimits: SegMaskLimits) {
  const instances = await store.searchInstances(studyUid);
  const find = (sopClass: string) => instances.find((i) => firstString(i, TAG.SOPClassUID) === sopClass);
  const locate = (instance: (typeof instances)[number]) => [firstString(instance, TAG.SeriesInstanceUID) ?? '', firstString(instance, TAG.SOPInstanceUID) ?? ''] as const;
  const imageInstance = find(SECONDARY_CAPTURE);
  if (imageInstance === undefined) throw new ChexgenError('PACS_NOT_FOUND', `study ${studyUid} has no synthetic image in the store`, { status: 502 });
  const dataset = readPart10(await store.retrieveInstance(studyUid, ...locate(imageInstance)));
  const width = Number(dataset.Columns);
  const height = Number(dataset.Rows);
  const pixelData = Array.isArray(dataset.PixelData) ? dataset.PixelData[0] : dataset.PixelData;
  if (dataset.BitsAllocated !== 16 || !(pixelData instanceof ArrayBuffer) || pixelData.byteLength < width * height * 2) {
    throw new ChexgenError('PACS_REJECTED', `study ${studyUid}: the image is not a native 16-bit image of ${width}x${height}`, { status: 502 });
  }
  const image = { width, height, data: new Uint16Array(pixelData.slice(0, width * height * 2)) };
  const segInstance = find(SEGMENTATION_SOP_CLASS_UID);
  const masks = segInstance === undefined ? [] : readSegmentationMasks(readPart10(await store.retrieveInstance(studyUid, ...locate(segInstance))), segLimits);
  return { image, masks };
}
