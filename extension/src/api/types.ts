/** Types of the chexgen HTTP API (docs/api.md) as the panel uses them. */

export type Sex = 'F' | 'M';
export type View = 'PA' | 'AP' | 'AP supine' | 'lateral';
export const VIEWS: readonly View[] = ['PA', 'AP', 'AP supine', 'lateral'];

/** A box in source-image pixels (`x0 < x1`, `y0 < y1`). */
export type BoxSpec = { label: string; x0: number; y0: number; x1: number; y1: number };
/** A binary mask as row-major runs of 0 and 1, starting with a (possibly empty) run of 0. */
export type MaskSpec = { label: string; width: number; height: number; rle: number[] };

/** Body of `POST /api/v1/syntheses`; only fields the server knows (it refuses unknown ones). */
export type SynthesisRequest = {
  text?: string;
  sex?: Sex;
  age?: number;
  view?: View;
  boxes?: BoxSpec[];
  sourceWidth?: number;
  sourceHeight?: number;
  masks?: MaskSpec[];
  count?: number;
  seed?: number;
  steps?: number;
  guidance?: number;
  sampler?: string;
  sourceStudy?: string;
};

export type ApiErrorBody = { code: string; message: string; field?: string | null };

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export type SynthesisProgress = { image: number; count: number; step: number; steps: number; fraction: number };

export type SynthesisResult = {
  index: number;
  seed: number;
  delivered: boolean;
  StudyInstanceUID: string;
  SeriesInstanceUIDs: string[];
  previewUrl: string;
};

export type SynthesisJob = {
  id: string;
  status: JobStatus;
  seed?: number;
  progress?: SynthesisProgress;
  results: SynthesisResult[];
  error: ApiErrorBody | null;
};

export type ModelInfo = {
  name: string;
  version: string;
  resolution: number;
  loaded: boolean;
  maskLabels: string[];
  boxLabels: string[];
  /** Cohort finding vocabulary; older servers lack it (fall back to boxLabels). */
  findings?: string[];
  defaultSteps: number;
  defaultGuidance: number;
  samplers: string[];
};

export type Limits = {
  maxTextLength: number;
  maxBoxes: number;
  maxMasks: number;
  maxMaskPixels: number;
  maxCount: number;
  maxSteps: number;
};

export type ModelsResponse = { models: ModelInfo[]; limits: Limits };

/** Body of `POST /api/v1/cohorts`; weights are relative (the server normalises them). */
export type CohortRequest = {
  size: number;
  seed?: number;
  sex?: Partial<Record<Sex, number>>;
  ageBands?: Record<string, number>;
  view?: Partial<Record<'PA' | 'AP', number>>;
  findings?: Record<string, number>;
  layout?: 'templates' | 'annotations';
  steps?: number;
  guidance?: number;
  sampler?: string;
  idempotencyKey?: string;
};

export type CohortProgress = { done: number; failed: number; total: number; fraction: number };

export type CohortJob = {
  id: string;
  status: JobStatus;
  size?: number;
  seed?: number;
  progress?: CohortProgress;
  manifest?: { json: string; csv: string } | null;
  /** A PNG of the subjects made (servers since session 2). */
  contactSheet?: string;
  error: ApiErrorBody | null;
};
