// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { ApiLimits, ModelInfo } from '../contract';
import type { SourceBox, SourceSegment } from '../annotations/types';
import { buildSynthesisRequest, type SynthesisForm } from './buildSynthesisRequest';
import { compilePrompt } from '../contract';
import { suggestBoxLabel } from './suggestBoxLabel';

const MODEL: ModelInfo = {
  name: 'cxr256-gpu-v1', version: '1.0.0', resolution: 256, loaded: true,
  maskLabels: ['right_lung', 'left_lung', 'heart'], boxLabels: ['right_lung', 'left_lung', 'heart', 'nodule', 'mass', 'opacity'],
  defaultSteps: 20, defaultGuidance: 4, defaultSpatialGuidance: 1.5, samplers: ['dpmpp-2m', 'euler', 'ddim'], findings: [], layouts: ['templates'], licence: '',
};
const LIMITS: ApiLimits = { maxTextLength: 2000, maxBoxes: 64, maxMasks: 16, maxMaskPixels: 16_777_216, maxMaskRuns: 16_777_217, maxRequestMaskPixels: 268_435_456, maxCount: 16, maxSteps: 100, maxCohortSize: 1000 };
const form = (patch: Partial<SynthesisForm> = {}): SynthesisForm => ({
  text: '', findings: [], sex: '', age: '', view: '', boxLabels: {}, maskLabels: {}, count: '1', seed: '', steps: '20', guidance: '4', spatialGuidance: '1.5', sampler: 'dpmpp-2m', linkSourceStudy: false, ...patch,
});
const box: SourceBox = { uid: 'b1', measurementLabel: '', imageId: 'i', x0: 10, y0: 20, x1: 30, y1: 40, sourceWidth: 1024, sourceHeight: 1024 };
const segment: SourceSegment = { key: 's/1', segmentationId: 's', segmentIndex: 1, name: 'Segment 1', width: 4, height: 2, rle: [1, 2, 5], pixels: 2 };

describe('buildSynthesisRequest', () => {
  it('when boxes and segments are labelled, then the request has them in source pixels with the source size and the source study', () => {
    const { request, problems } = buildSynthesisRequest({
      form: form({ text: 'Nodule.', findings: ['cardiomegaly'], sex: 'F', age: '63', view: 'PA', boxLabels: { b1: 'nodule' }, maskLabels: { 's/1': 'heart' }, seed: '42', linkSourceStudy: true }),
      boxes: [box], segments: [segment], model: MODEL, limits: LIMITS, sourceStudy: '1.2.3',
    });
    expect(problems).toEqual([]);
    expect(request).toEqual({
      text: 'Findings: cardiomegaly. Nodule.', sex: 'F', age: 63, view: 'PA',
      boxes: [{ label: 'nodule', x0: 10, y0: 20, x1: 30, y1: 40 }], sourceWidth: 1024, sourceHeight: 1024,
      masks: [{ label: 'heart', width: 4, height: 2, rle: [1, 2, 5] }],
      count: 1, seed: 42, steps: 20, guidance: 4, spatialGuidance: 1.5, sampler: 'dpmpp-2m', sourceStudy: '1.2.3',
    });
  });

  it('when the user has not asked to link the open study, then its UID is not in the request (issue 13)', () => {
    const { request } = buildSynthesisRequest({ form: form({ text: 'Normal.' }), boxes: [], segments: [], model: MODEL, limits: LIMITS, sourceStudy: '1.2.3' });
    expect(request).not.toHaveProperty('sourceStudy');
  });

  it('when boxes and segments are "not sent", then they are left out and text alone is enough', () => {
    const { request } = buildSynthesisRequest({ form: form({ text: 'Normal.' }), boxes: [box], segments: [segment], model: MODEL, limits: LIMITS });
    expect(request).toEqual({ text: 'Normal.', count: 1, steps: 20, guidance: 4, spatialGuidance: 1.5, sampler: 'dpmpp-2m' });
  });

  it('when there is no text, box or mask, then it is invalid with the reason', () => {
    const { request, problems } = buildSynthesisRequest({ form: form(), boxes: [box], segments: [], model: MODEL, limits: LIMITS });
    expect(request).toBeUndefined();
    expect(problems).toEqual([{ field: 'text', message: 'give report text, a labelled box or a mapped segment' }]);
  });

  it('when fields break the rules, then each is named like the server names it', () => {
    const { problems } = buildSynthesisRequest({
      form: form({ text: 'x', age: '130', count: '17', steps: '0', guidance: '21', spatialGuidance: '-1', seed: '-1', sampler: 'plms', boxLabels: { b1: 'tumour' }, maskLabels: { 's/1': 'heart' } }),
      boxes: [box], segments: [{ ...segment, pixels: 0 }], model: MODEL, limits: LIMITS,
    });
    expect(problems.map((p) => p.field)).toEqual(['age', 'boxes[0].label', 'masks[0]', 'count', 'seed', 'steps', 'guidance', 'spatialGuidance', 'sampler']);
  });

  it('when the text is longer than the server allows, then it is refused before sending', () => {
    const { problems } = buildSynthesisRequest({ form: form({ text: 'x'.repeat(11) }), boxes: [], segments: [], model: MODEL, limits: { ...LIMITS, maxTextLength: 10 } });
    expect(problems[0]).toMatchObject({ field: 'text' });
  });

  it('when boxes lie on images of different sizes, then it is refused', () => {
    const other = { ...box, uid: 'b2', sourceWidth: 512, sourceHeight: 512 };
    const { problems } = buildSynthesisRequest({ form: form({ boxLabels: { b1: 'nodule', b2: 'mass' } }), boxes: [box, other], segments: [], model: MODEL, limits: LIMITS });
    expect(problems).toEqual([{ field: 'boxes', message: 'the boxes are on images of different sizes; draw them on one image' }]);
  });
});

describe('compilePrompt and suggestBoxLabel', () => {
  it('when sex, age and view are set, then the prefix comes first like the server writes it', () => {
    expect(compilePrompt({ sex: 'M', age: 71.6, view: 'AP supine', text: ' Effusion. ' })).toBe('sex: male, age: 71, view: AP supine. Effusion.');
    expect(compilePrompt({ text: '' })).toBe('');
  });
  it('when a measurement label names a class or a synonym, then that class is suggested', () => {
    expect(suggestBoxLabel('Right Lung', MODEL.boxLabels)).toBe('right_lung');
    expect(suggestBoxLabel('pneumonia', MODEL.boxLabels)).toBe('opacity');
    expect(suggestBoxLabel('thing', MODEL.boxLabels)).toBe('');
  });
});
