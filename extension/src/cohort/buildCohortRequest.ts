import { isSamplerName, MAX_GUIDANCE, MAX_SEED, type ApiLimits, type CohortRequestBody } from '../contract';
import { parseInteger, type Problem } from '../request/buildSynthesisRequest';

/** What the cohort dialog holds (strings as typed). Weights are relative; empty = not sent. */
export type CohortForm = {
  size: string;
  seed: string;
  sex: { F: string; M: string };
  ageBands: { band: string; weight: string }[];
  view: { PA: string; AP: string };
  /** Prevalence 0..1 per finding; empty = not sent. */
  findings: Record<string, string>;
  layout: '' | 'templates' | 'annotations';
  steps: string;
  guidance: string;
  sampler: string;
};

/** The dialog's starting values: 100 subjects, even sex and view, four age bands. */
export function defaultCohortForm(): CohortForm {
  return {
    size: '100',
    seed: '',
    sex: { F: '1', M: '1' },
    ageBands: [
      { band: '20-39', weight: '1' },
      { band: '40-59', weight: '1' },
      { band: '60-79', weight: '1' },
      { band: '80-99', weight: '0.5' },
    ],
    view: { PA: '3', AP: '1' },
    findings: {},
    layout: 'templates',
    steps: '',
    guidance: '',
    sampler: '',
  };
}

/**
 * Builds `POST /api/v1/cohorts` from the dialog, checking each field first (sizes, weights >= 0 with a positive sum,
 * age bands `lo-hi` with lo <= hi, prevalences 0..1) against the server's limits (`GET /api/v1/models` `limits`:
 * maxCohortSize, maxSteps); `request` is undefined whenever `problems` is not empty.
 */
export function buildCohortRequest(form: CohortForm, limits: Pick<ApiLimits, 'maxSteps' | 'maxCohortSize'>): { request?: CohortRequestBody; problems: Problem[] } {
  const problems: Problem[] = [];
  const size = parseInteger(form.size);
  if (size === undefined || size < 1 || size > limits.maxCohortSize) problems.push({ field: 'size', message: `size must be 1-${limits.maxCohortSize}` });
  const request: CohortRequestBody = { size: size ?? 0 };
  if (form.seed.trim() !== '') {
    const seed = parseInteger(form.seed);
    if (seed === undefined || seed > MAX_SEED) problems.push({ field: 'seed', message: `seed must be a whole number 0-${MAX_SEED}` });
    else request.seed = seed;
  }
  const sex = weights('sex', form.sex, problems);
  if (sex) request.sex = sex;
  const view = weights('view', form.view, problems);
  if (view) request.view = view;

  const bands: Record<string, string> = {};
  form.ageBands.forEach(({ band, weight }, i) => {
    if (band.trim() === '' && weight.trim() === '') return;
    const match = /^(\d{1,3})-(\d{1,3})$/.exec(band.trim());
    if (!match || Number(match[1]) > Number(match[2]) || Number(match[2]) > 120) {
      problems.push({ field: `ageBands[${i}]`, message: `age band "${band}" must read lo-hi in years, e.g. 40-59` });
      return;
    }
    if (bands[band.trim()] !== undefined) problems.push({ field: `ageBands[${i}]`, message: `age band ${band} is listed twice` });
    bands[band.trim()] = weight;
  });
  const ageBands = weights('ageBands', bands, problems);
  if (ageBands) request.ageBands = ageBands as Record<string, number>;

  const findings: Record<string, number> = {};
  for (const [finding, value] of Object.entries(form.findings)) {
    if (value.trim() === '') continue;
    const p = Number(value);
    if (!Number.isFinite(p) || p < 0 || p > 1) problems.push({ field: `findings.${finding}`, message: `prevalence of ${finding} must be 0-1` });
    else findings[finding] = p;
  }
  if (Object.keys(findings).length > 0) request.findings = findings;
  if (form.layout !== '') request.layout = form.layout;

  if (form.steps.trim() !== '') {
    const steps = parseInteger(form.steps);
    if (steps === undefined || steps < 1 || steps > limits.maxSteps) problems.push({ field: 'steps', message: `steps must be 1-${limits.maxSteps}` });
    else request.steps = steps;
  }
  if (form.guidance.trim() !== '') {
    const g = Number(form.guidance);
    if (!Number.isFinite(g) || g < 0 || g > MAX_GUIDANCE) problems.push({ field: 'guidance', message: `guidance must be 0-${MAX_GUIDANCE}` });
    else request.guidance = g;
  }
  if (form.sampler !== '') {
    if (isSamplerName(form.sampler)) request.sampler = form.sampler;
    else problems.push({ field: 'sampler', message: `unknown sampler "${form.sampler}"` });
  }
  return problems.length > 0 ? { problems } : { request, problems };
}

/** Parses a weight map: empty entries dropped, each >= 0, the sum > 0; undefined when nothing was given. */
function weights<K extends string>(field: string, raw: Record<K, string>, problems: Problem[]): Partial<Record<K, number>> | undefined {
  const out: Partial<Record<K, number>> = {};
  let sum = 0;
  let given = false;
  for (const [key, value] of Object.entries(raw) as [K, string][]) {
    if (value.trim() === '') continue;
    const w = Number(value);
    if (!Number.isFinite(w) || w < 0) {
      problems.push({ field: `${field}.${key}`, message: `weight of ${key} must be a number >= 0` });
      continue;
    }
    out[key] = w;
    sum += w;
    given = true;
  }
  if (!given) return undefined;
  if (sum <= 0) {
    problems.push({ field, message: `the ${field} weights add up to 0` });
    return undefined;
  }
  return out;
}
