/**
 * The words and limits of the wire contract (docs/api.md): the values requests may name and the ceilings of the
 * request limits. The server, the CLI and the OHIF extension read them here; nothing restates them.
 */

/** Samplers a request may name (`sampler`); the first is the default. server/src/synthesis/schedulers implements them. */
export const SAMPLER_NAMES = ['dpmpp-2m', 'euler', 'ddim'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];
export const DEFAULT_SAMPLER: SamplerName = 'dpmpp-2m';
/** Whether `name` is one of {@link SAMPLER_NAMES}. */
export function isSamplerName(name: string): name is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(name);
}

/** Findings a cohort may ask for (`findings`); their phrases and boxes are server/src/cohorts/findings.ts. */
export const COHORT_FINDING_NAMES = [
  'atelectasis', 'cardiomegaly', 'consolidation', 'covid-19', 'edema', 'effusion', 'emphysema', 'fibrosis', 'hernia',
  'infiltration', 'mass', 'nodule', 'pleural thickening', 'pneumonia', 'pneumothorax',
] as const;
export type CohortFinding = (typeof COHORT_FINDING_NAMES)[number];

/** Where a cohort's masks and boxes come from: built-in anatomy templates, or real annotations (CHEXGEN_LAYOUTS_MANIFEST). */
export const COHORT_LAYOUTS = ['templates', 'annotations'] as const;
export type CohortLayout = (typeof COHORT_LAYOUTS)[number];

/** Where a job (or a cohort) is in its life; the last three are final. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** An idempotency key (`idempotencyKey`, header `Idempotency-Key`): 1-200 printable ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/** A DICOM UID as requests give one (`sourceStudy`, `masks[].seg`): digits and dots, at most 64 characters. */
export const DICOM_UID = /^[0-9]+(\.[0-9]+)*$/;
/** An age band of a cohort, `"lo-hi"` in whole years (lo <= hi <= {@link MAX_AGE}). */
export const AGE_BAND = /^(\d{1,3})-(\d{1,3})$/;
export type AgeBand = `${number}-${number}`;

export const MAX_AGE = 120;
export const MAX_SEED = 2 ** 32 - 1;
export const MAX_GUIDANCE = 20;
/** Largest mask side in pixels (`masks[].width`, `height`). */
export const MAX_MASK_SIDE = 8192;

/**
 * The limits a server holds requests to, as `GET /api/v1/models` sends them (`limits`). The server takes them from
 * config (CHEXGEN_MAX_*), which may only tighten {@link REQUEST_CEILINGS}; clients read them from the server.
 */
export type ApiLimits = Readonly<
  Record<'maxTextLength' | 'maxBoxes' | 'maxMasks' | 'maxMaskPixels' | 'maxMaskRuns' | 'maxRequestMaskPixels' | 'maxCount' | 'maxSteps' | 'maxCohortSize', number>
>;
/** The limits of a synthesis request. */
export type RequestLimits = Omit<ApiLimits, 'maxCohortSize'>;
/** The limits of a cohort request. */
export type CohortLimits = Pick<ApiLimits, 'maxSteps' | 'maxCohortSize'>;

/** The most any synthesis request may ask for: what the CLI allows, and the upper bounds of the server's limits (config). */
export const REQUEST_CEILINGS: RequestLimits = {
  maxTextLength: 2000,
  maxBoxes: 64,
  maxMasks: 16,
  maxMaskPixels: MAX_MASK_SIDE * MAX_MASK_SIDE,
  maxMaskRuns: MAX_MASK_SIDE * MAX_MASK_SIDE + 1,
  maxRequestMaskPixels: 16 * MAX_MASK_SIDE * MAX_MASK_SIDE,
  maxCount: 64,
  maxSteps: 200,
};
