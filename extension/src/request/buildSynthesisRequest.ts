import { isSamplerName, MAX_GUIDANCE, MAX_SEED, type ApiLimits, type ModelInfo, type Sex, type SynthesisRequestBody, type View } from '../contract';
import type { SourceBox, SourceSegment } from '../annotations/types';
import { findingsSentence } from './reportTemplates';

/** What the user set in the panel (strings where an input may be empty or half-typed). */
export type SynthesisForm = {
  text: string;
  findings: string[];
  sex: Sex | '';
  age: string;
  view: View | '';
  /** Finding label per box uid; '' = the box is not sent. */
  boxLabels: Record<string, string>;
  /** Model mask class per segment key; '' = the segment is not sent. */
  maskLabels: Record<string, string>;
  count: string;
  seed: string;
  steps: string;
  /** Text guidance scale. */
  guidance: string;
  /** Mask/box guidance scale (the model's own default differs from its text one: v1.1 uses 4.0 and 1.5). */
  spatialGuidance: string;
  sampler: string;
  /** Whether the request names the open study as its source (`sourceStudy`); off unless the user asks for it. */
  linkSourceStudy: boolean;
};

/** One reason a request cannot be sent, naming the request field like the server does. */
export type Problem = { field: string; message: string };

// MAX_SEED and MAX_GUIDANCE are the contract's (server/src/contract/vocabulary.ts).

/** The report text the request carries: the picked findings' sentence, then the free text. */
export function reportText(form: Pick<SynthesisForm, 'text' | 'findings'>): string {
  return [findingsSentence(form.findings), form.text.trim()].filter((s) => s !== '').join(' ');
}

/**
 * Builds `POST /api/v1/syntheses` from the panel: labelled boxes in source pixels with the source size, labelled
 * segments as RLE masks at the source size, the prompt fields, options and, only when the user ticked
 * `linkSourceStudy`, `sourceStudy` (the open study may be a patient's). Checks the request
 * against the model and the server limits first, so the Synthesize button can say why it is disabled; `request` is
 * undefined whenever `problems` is not empty.
 */
export function buildSynthesisRequest(input: {
  form: SynthesisForm;
  boxes: readonly SourceBox[];
  segments: readonly SourceSegment[];
  model: ModelInfo;
  limits: ApiLimits;
  sourceStudy?: string;
}): { request?: SynthesisRequestBody; problems: Problem[] } {
  const { form, model, limits } = input;
  const problems: Problem[] = [];
  const request: SynthesisRequestBody = {};

  const text = reportText(form);
  if (text.length > limits.maxTextLength) {
    problems.push({ field: 'text', message: `the report text is ${text.length} characters; at most ${limits.maxTextLength}` });
  }
  if (text !== '') request.text = text;
  if (form.sex !== '') request.sex = form.sex;
  if (form.view !== '') request.view = form.view;
  if (form.age.trim() !== '') {
    const age = parseInteger(form.age);
    if (age === undefined || age < 0 || age > 120) problems.push({ field: 'age', message: 'age must be a whole number of years, 0-120' });
    else request.age = age;
  }

  const boxes = input.boxes.filter((b) => (form.boxLabels[b.uid] ?? '') !== '');
  if (boxes.length > 0) {
    if (boxes.length > limits.maxBoxes) problems.push({ field: 'boxes', message: `${boxes.length} boxes; at most ${limits.maxBoxes}` });
    const { sourceWidth, sourceHeight } = boxes[0];
    if (boxes.some((b) => b.sourceWidth !== sourceWidth || b.sourceHeight !== sourceHeight)) {
      problems.push({ field: 'boxes', message: 'the boxes are on images of different sizes; draw them on one image' });
    }
    boxes.forEach((b, i) => {
      const label = form.boxLabels[b.uid];
      if (!model.boxLabels.includes(label)) problems.push({ field: `boxes[${i}].label`, message: `"${label}" is not a box class of ${model.name}` });
    });
    request.boxes = boxes.map((b) => ({ label: form.boxLabels[b.uid], x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 }));
    request.sourceWidth = sourceWidth;
    request.sourceHeight = sourceHeight;
  }

  const segments = input.segments.filter((s) => (form.maskLabels[s.key] ?? '') !== '');
  if (segments.length > 0) {
    if (segments.length > limits.maxMasks) problems.push({ field: 'masks', message: `${segments.length} masks; at most ${limits.maxMasks}` });
    segments.forEach((s, i) => {
      const label = form.maskLabels[s.key];
      if (!model.maskLabels.includes(label)) problems.push({ field: `masks[${i}].label`, message: `"${label}" is not a mask class of ${model.name}` });
      if (s.pixels === 0) problems.push({ field: `masks[${i}]`, message: `segment "${s.name}" is empty: paint it or set it to "not sent"` });
      if (s.width * s.height > limits.maxMaskPixels) problems.push({ field: `masks[${i}]`, message: `segment "${s.name}" has more than ${limits.maxMaskPixels} pixels` });
    });
    request.masks = segments.map((s) => ({ label: form.maskLabels[s.key], width: s.width, height: s.height, rle: s.rle }));
  }

  if (request.text === undefined && request.boxes === undefined && request.masks === undefined) {
    problems.push({ field: 'text', message: 'give report text, a labelled box or a mapped segment' });
  }

  const count = parseInteger(form.count);
  if (count === undefined || count < 1 || count > limits.maxCount) problems.push({ field: 'count', message: `count must be 1-${limits.maxCount}` });
  else request.count = count;
  if (form.seed.trim() !== '') {
    const seed = parseInteger(form.seed);
    if (seed === undefined || seed < 0 || seed > MAX_SEED) problems.push({ field: 'seed', message: `seed must be a whole number 0-${MAX_SEED}` });
    else request.seed = seed;
  }
  const steps = parseInteger(form.steps);
  if (steps === undefined || steps < 1 || steps > limits.maxSteps) problems.push({ field: 'steps', message: `steps must be 1-${limits.maxSteps}` });
  else request.steps = steps;
  const guidance = form.guidance.trim() === '' ? Number.NaN : Number(form.guidance);
  if (!Number.isFinite(guidance) || guidance < 0 || guidance > MAX_GUIDANCE) problems.push({ field: 'guidance', message: `guidance must be 0-${MAX_GUIDANCE}` });
  else request.guidance = guidance;
  // Always sent with guidance: on the server one explicit scale would otherwise set both.
  const spatialGuidance = form.spatialGuidance.trim() === '' ? Number.NaN : Number(form.spatialGuidance);
  if (!Number.isFinite(spatialGuidance) || spatialGuidance < 0 || spatialGuidance > MAX_GUIDANCE) {
    problems.push({ field: 'spatialGuidance', message: `spatial guidance must be 0-${MAX_GUIDANCE}` });
  } else request.spatialGuidance = spatialGuidance;
  if (form.sampler !== '') {
    if (!model.samplers.includes(form.sampler) || !isSamplerName(form.sampler)) problems.push({ field: 'sampler', message: `unknown sampler "${form.sampler}"` });
    else request.sampler = form.sampler;
  }
  if (form.linkSourceStudy && input.sourceStudy !== undefined && input.sourceStudy !== '') request.sourceStudy = input.sourceStudy;

  return problems.length > 0 ? { problems } : { request, problems };
}

/** A whole number written in decimal digits, or undefined. */
export function parseInteger(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : undefined;
}
