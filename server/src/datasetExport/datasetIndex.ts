import type { CohortManifest, ManifestSubject } from '../cohorts/cohortManifest.js';
import { mulberry32 } from '../cohorts/random.js';

/** Where the files of one exported subject lie, relative to the export folder. */
export type SubjectFiles = { id: string; image: string; label: string; imagePng: string; labelPng: string };

/** The folder layout (MONAI Label's local datastore: images at the top, label maps in labels/final). */
export function subjectFiles(cohortId: string, subject: number): SubjectFiles {
  const id = `chexgen-${cohortId.slice(0, 8)}-${String(subject).padStart(4, '0')}`;
  return { id, image: `${id}.nii.gz`, label: `labels/final/${id}.nii.gz`, imagePng: `png/images/${id}.png`, labelPng: `png/labels/${id}.png` };
}

/** One exported subject: its manifest entry, its files and how many label pixels overlapping masks lost. */
export type ExportedSubject = { subject: ManifestSubject; files: SubjectFiles; overlapPixels: number; width: number; height: number };

/**
 * Which subjects are for validation (pure, deterministic): `round(n x fraction)` of them, drawn by a shuffle seeded
 * with the cohort's seed, so the same cohort always splits the same way.
 */
export function validationSubjects(subjects: readonly number[], fraction: number, seed: number): Set<number> {
  const order = [...subjects].sort((a, b) => a - b);
  const random = mulberry32(seed ^ 0x5eed_da7a);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return new Set(order.slice(0, Math.round(order.length * fraction)));
}

/**
 * The MONAI datalist (`dataset.json`, Medical Segmentation Decathlon form, read by MONAI's load_decathlon_datalist):
 * `training` and `validation` lists of `{ image, label }` (paths relative to the folder) with each subject's labels
 * and prompt beside them, the label values under `labels`, and the cohort it came from.
 */
export function monaiDatalist(manifest: CohortManifest, exported: readonly ExportedSubject[], classes: readonly string[], validation: Set<number>) {
  const entry = ({ subject: s, files, overlapPixels }: ExportedSubject) => ({
    image: files.image,
    label: files.label,
    image_png: files.imagePng,
    label_png: files.labelPng,
    subject: s.subject,
    sex: s.sex,
    age: s.age,
    age_band: s.ageBand,
    view: s.view,
    findings: s.findings,
    prompt: s.prompt,
    boxes: s.boxes,
    mask_labels: s.maskLabels,
    label_overlap_pixels: overlapPixels,
    StudyInstanceUID: s.StudyInstanceUID,
    seed: s.generation.seed,
  });
  const training = exported.filter((e) => !validation.has(e.subject.subject)).map(entry);
  const validationList = exported.filter((e) => validation.has(e.subject.subject)).map(entry);
  return {
    name: `chexgen cohort ${manifest.cohort.id}`,
    description: 'SYNTHETIC chest radiographs made by chexgen with the conditioning masks as label maps; research use only, not for diagnosis.',
    reference: 'chexgen cohort manifest (manifest.json); each study SR holds the full generation record',
    tensorImageSize: '2D',
    modality: { '0': 'DX (synthetic)' },
    labels: Object.fromEntries([['0', 'background'], ...classes.map((c, i) => [String(i + 1), c])]),
    numTraining: training.length,
    numValidation: validationList.length,
    training,
    validation: validationList,
    cohort: { id: manifest.cohort.id, seed: manifest.cohort.seed, size: manifest.cohort.size, status: manifest.cohort.status, request: manifest.cohort.request },
  };
}

/**
 * MONAI Label's local datastore index (`datastore_v2.json`, its LocalDatastoreModel): images in the folder itself
 * (`images_dir: "."`), label maps under `labels/final`, one object per subject keyed by its id. MONAI Label would
 * build the same from the files (it reconciles on start); writing it keeps the subject's study and prompt with it.
 */
export function monaiLabelDatastore(manifest: CohortManifest, exported: readonly ExportedSubject[]) {
  const ts = Math.floor(Date.parse(manifest.cohort.createdAt) / 1000) || 0;
  return {
    name: `chexgen cohort ${manifest.cohort.id}`,
    description: 'SYNTHETIC chest radiographs (chexgen); research use only',
    images_dir: '.',
    labels_dir: 'labels',
    objects: Object.fromEntries(exported.map(({ subject, files }) => [files.id, {
      image: { ext: '.nii.gz', info: { ts, name: files.image, StudyInstanceUID: subject.StudyInstanceUID, prompt: subject.prompt, synthetic: true } },
      labels: { final: { ext: '.nii.gz', info: { ts, name: `${files.id}.nii.gz` } } },
    }])),
  };
}
