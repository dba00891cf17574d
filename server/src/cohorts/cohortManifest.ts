import { stringify } from 'csv-stringify/sync';
import { compilePrompt } from '../contract/index.js';
import type { Cohort } from './cohortTypes.js';
import type { SubjectState } from './CohortStore.js';

/** One subject as a training pipeline reads it: labels, where its study is, and how it was made. */
export type ManifestSubject = {
  subject: number;
  status: SubjectState['status'];
  StudyInstanceUID: string | null;
  SeriesInstanceUIDs: string[];
  delivered: boolean;
  sex: string;
  age: number;
  ageBand: string;
  view: string;
  findings: string[];
  boxes: SubjectState['subject']['boxes'];
  maskLabels: string[];
  layout: string;
  prompt: string;
  generation: { model: string; seed: number; steps: number | null; guidance: number | null; spatialGuidance: number | null; sampler: string | null };
  jobId: string;
  error: string | null;
};

/** The manifest of a cohort: the cohort's own record, then one entry per subject in subject order. */
export type CohortManifest = {
  cohort: { id: string; status: Cohort['status']; size: number; seed: number; progress: Cohort['progress']; request: Cohort['request']; createdAt: string };
  subjects: ManifestSubject[];
  note: string;
};

/**
 * The dataset manifest of a cohort (pure). Subjects whose image is not made yet are listed with their status and
 * no UIDs, so the manifest can be read at any time; a finished cohort lists every study. Steps, guidance and sampler
 * are null where the model's defaults applied (the study's SR holds the values used).
 */
export function buildCohortManifest(cohort: Cohort, subjects: readonly SubjectState[]): CohortManifest {
  return {
    cohort: {
      id: cohort.id, status: cohort.status, size: cohort.request.size, seed: cohort.request.seed, progress: cohort.progress,
      request: cohort.request, createdAt: cohort.createdAt,
    },
    subjects: subjects.map(({ jobId, subject, request, status, results, error }) => {
      const result = results[0];
      return {
        subject: subject.index,
        status,
        StudyInstanceUID: result?.StudyInstanceUID ?? null,
        SeriesInstanceUIDs: result?.SeriesInstanceUIDs ?? [],
        delivered: result?.delivered ?? false,
        sex: subject.sex,
        age: subject.age,
        ageBand: subject.ageBand,
        view: subject.view,
        findings: subject.findings,
        boxes: subject.boxes,
        maskLabels: subject.maskLabels,
        layout: subject.layout,
        prompt: compilePrompt({ sex: subject.sex, age: subject.age, view: subject.view, text: subject.text }),
        generation: {
          model: request.model, seed: request.seed, steps: request.steps ?? null, guidance: request.guidance ?? null,
          spatialGuidance: request.spatialGuidance ?? null, sampler: request.sampler ?? null,
        },
        jobId,
        error: error === null ? null : `${error.code}: ${error.message}`,
      };
    }),
    note: 'Synthetic images made by chexgen for research and dataset expansion; not for diagnosis. Each study SR holds the full generation record.',
  };
}

/** Columns of the CSV manifest, in order. */
export const MANIFEST_COLUMNS = [
  'subject', 'status', 'study_instance_uid', 'series_instance_uids', 'delivered', 'sex', 'age', 'age_band', 'view', 'findings',
  'boxes_json', 'mask_labels', 'layout', 'prompt', 'model', 'seed', 'steps', 'guidance', 'sampler', 'job_id', 'error',
] as const;

/** The same manifest as CSV (RFC 4180; lists joined with ';', boxes as JSON), one row per subject. */
export function cohortManifestCsv(manifest: CohortManifest): string {
  const rows = manifest.subjects.map((s) => [
    s.subject, s.status, s.StudyInstanceUID ?? '', s.SeriesInstanceUIDs.join(';'), s.delivered, s.sex, s.age, s.ageBand, s.view,
    s.findings.join(';'), JSON.stringify(s.boxes), s.maskLabels.join(';'), s.layout, s.prompt, s.generation.model, s.generation.seed,
    s.generation.steps ?? '', s.generation.guidance ?? '', s.generation.sampler ?? '', s.jobId, s.error ?? '',
  ]);
  return stringify([[...MANIFEST_COLUMNS], ...rows]);
}
