// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { buildCohortRequest, defaultCohortForm } from './buildCohortRequest';

describe('buildCohortRequest', () => {
  it('when the defaults are kept, then the request carries size, the weights and the layout', () => {
    const { request, problems } = buildCohortRequest(defaultCohortForm(), { maxSteps: 100, maxCohortSize: 1000 });
    expect(problems).toEqual([]);
    expect(request).toEqual({
      size: 100, sex: { F: 1, M: 1 }, view: { PA: 3, AP: 1 }, ageBands: { '20-39': 1, '40-59': 1, '60-79': 1, '80-99': 0.5 }, layout: 'templates',
    });
  });

  it('when seed, findings and sampling options are given, then they are sent as numbers; empty entries are dropped', () => {
    const form = { ...defaultCohortForm(), seed: '5', steps: '4', guidance: '2', sampler: 'euler', findings: { nodule: '0.2', mass: '' }, sex: { F: '1', M: '' } };
    expect(buildCohortRequest(form, { maxSteps: 100, maxCohortSize: 1000 }).request).toMatchObject({ seed: 5, steps: 4, guidance: 2, sampler: 'euler', findings: { nodule: 0.2 }, sex: { F: 1 } });
  });

  it('when values break the rules, then each problem names its field', () => {
    const form = {
      ...defaultCohortForm(), size: '1001', sex: { F: '0', M: '0' }, view: { PA: '-1', AP: '1' },
      ageBands: [{ band: '60-40', weight: '1' }], findings: { nodule: '1.5' }, steps: '101',
    };
    const { request, problems } = buildCohortRequest(form, { maxSteps: 100, maxCohortSize: 1000 });
    expect(request).toBeUndefined();
    expect(problems.map((p) => p.field)).toEqual(['size', 'sex', 'view.PA', 'ageBands[0]', 'findings.nodule', 'steps']);
  });
});
