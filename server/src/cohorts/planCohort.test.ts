import { describe, expect, it } from 'vitest';
import { decodeRuns } from '../conditions/runLength.js';
import type { CohortRequest } from './cohortTypes.js';
import { TEMPLATE_LAYOUTS, templateLayout } from './layouts.js';
import { planCohort, planSubject } from './planCohort.js';
import { mulberry32 } from './random.js';

const MODEL = { resolution: 256, maskLabels: ['right_lung', 'left_lung', 'heart'], boxLabels: ['right_lung', 'left_lung', 'heart', 'nodule', 'mass', 'opacity'] };

function request(overrides: Partial<CohortRequest> = {}): CohortRequest {
  return {
    size: 20, seed: 7, sex: { F: 1, M: 1 }, ageBands: { '20-39': 1, '40-59': 1, '60-79': 1, '80-99': 1 }, view: { PA: 1 }, findings: {},
    layout: 'templates', model: 'm', ...overrides,
  };
}

describe('planCohort', () => {
  it('when the same cohort is planned twice, then every subject is the same', async () => {
    const a = await planCohort(request(), TEMPLATE_LAYOUTS, MODEL);
    const b = await planCohort(request(), TEMPLATE_LAYOUTS, MODEL);
    expect(b).toEqual(a);
  });

  it('when the cohort grows with the same seed, then the first subjects stay the same; another seed changes them', async () => {
    const small = await planCohort(request({ size: 5 }), TEMPLATE_LAYOUTS, MODEL);
    const large = await planCohort(request({ size: 12 }), TEMPLATE_LAYOUTS, MODEL);
    expect(large.slice(0, 5)).toEqual(small);
    const other = await planCohort(request({ size: 5, seed: 8 }), TEMPLATE_LAYOUTS, MODEL);
    expect(other.map((s) => s.subject.age)).not.toEqual(small.map((s) => s.subject.age));
  });

  it('when weights are 3:1 for F, then about three quarters are F; ages stay in their bands; views follow the weights', async () => {
    const planned = await planCohort(request({ size: 400, sex: { F: 3, M: 1 }, ageBands: { '30-34': 1, '70-71': 1 }, view: { PA: 1, AP: 1 } }), TEMPLATE_LAYOUTS, MODEL);
    const female = planned.filter((p) => p.subject.sex === 'F').length / planned.length;
    expect(female).toBeGreaterThan(0.68);
    expect(female).toBeLessThan(0.82);
    for (const { subject } of planned) {
      const [lo, hi] = subject.ageBand === '30-34' ? [30, 34] : [70, 71];
      expect(subject.age).toBeGreaterThanOrEqual(lo);
      expect(subject.age).toBeLessThanOrEqual(hi);
    }
    const ap = planned.filter((p) => p.subject.view === 'AP').length / planned.length;
    expect(ap).toBeGreaterThan(0.4);
    expect(ap).toBeLessThan(0.6);
  });

  it('when a finding has prevalence 0.3, then about 30% have it, named in the text; without findings the text is a normal one', async () => {
    const planned = await planCohort(request({ size: 300, findings: { cardiomegaly: 0.3 } }), TEMPLATE_LAYOUTS, MODEL);
    const ill = planned.filter((p) => p.subject.findings.includes('cardiomegaly'));
    expect(ill.length / planned.length).toBeGreaterThan(0.22);
    expect(ill.length / planned.length).toBeLessThan(0.38);
    for (const p of ill) expect(p.subject.text).toMatch(/cardiomegaly|cardiac silhouette|heart is enlarged/i);
    for (const p of planned.filter((q) => q.subject.findings.length === 0)) expect(p.subject.text).toMatch(/normal|clear|no (acute|active)/i);
    expect(planned.every((p) => p.subject.boxes.length === 0)).toBe(true); // cardiomegaly has no box
  });

  it('when a nodule is drawn, then its box is small, labelled nodule and centred in a lung', async () => {
    const planned = await planCohort(request({ size: 30, findings: { nodule: 1 } }), TEMPLATE_LAYOUTS, MODEL);
    for (const { subject, masks } of planned) {
      expect(subject.boxes).toHaveLength(1);
      const box = subject.boxes[0]!;
      expect(box.label).toBe('nodule');
      expect(box.x1 - box.x0).toBeGreaterThanOrEqual(10);
      expect(box.x1 - box.x0).toBeLessThanOrEqual(18);
      const cx = Math.floor((box.x0 + box.x1) / 2);
      const cy = Math.floor((box.y0 + box.y1) / 2);
      const lungs = masks.filter((m) => m.label.endsWith('_lung')).map((m) => decodeRuns(m.rle, m.width * m.height, 'rle'));
      expect(lungs.some((plane) => plane[cy * 256 + cx] === 1 || plane[(cy - 1) * 256 + cx] === 1 || plane[cy * 256 + cx - 1] === 1)).toBe(true);
    }
  });

  it('when the model has no box class for a finding or no heart mask, then none is sent', async () => {
    const model = { resolution: 256, maskLabels: ['right_lung', 'left_lung'], boxLabels: ['heart'] };
    const { subject, masks } = await planSubject(request({ findings: { nodule: 1 } }), 0, TEMPLATE_LAYOUTS, model);
    expect(subject.findings).toEqual(['nodule']);
    expect(subject.boxes).toEqual([]);
    expect(masks.map((m) => m.label)).toEqual(['right_lung', 'left_lung']);
  });
});

describe('templateLayout', () => {
  it('when drawn, then both lungs and the heart have a plausible share of the image, sit on their sides, and do not overlap', () => {
    for (let seed = 0; seed < 20; seed++) {
      const layout = templateLayout(mulberry32(seed), 256);
      const [right, left, heart] = layout.masks.map((m) => m.data);
      const area = (p: Uint8Array | undefined) => (p ?? new Uint8Array()).reduce((a, b) => a + b, 0) / (256 * 256);
      const centreX = (p: Uint8Array) => {
        let sum = 0;
        let n = 0;
        p.forEach((v, i) => { if (v) { sum += i % 256; n++; } });
        return sum / n;
      };
      expect(area(right)).toBeGreaterThan(0.08);
      expect(area(right)).toBeLessThan(0.3);
      expect(area(left)).toBeGreaterThan(0.08);
      expect(area(heart)).toBeGreaterThan(0.05);
      expect(centreX(right!)).toBeLessThan(128); // the patient's right lung is on the image's left
      expect(centreX(left!)).toBeGreaterThan(128);
      let overlap = 0;
      for (let i = 0; i < 256 * 256; i++) overlap += (right![i]! & heart![i]!) | (left![i]! & heart![i]!);
      expect(overlap).toBe(0);
    }
  });
});
