import type { StoredMask } from '../jobs/jobTypes.js';
import type { BoxCondition, Sex, View } from '../conditions/conditionTypes.js';
import type { AgeBand, CohortRequest, CohortSubject } from './cohortTypes.js';
import { COHORT_FINDINGS, NORMAL_PHRASES, reportText, type CohortFinding, type FindingSpec } from './findings.js';
import { boxInLungs, storedMasks, type LayoutSource } from './layouts.js';
import { pickOne, pickWeighted, subjectRandom, uniformInt } from './random.js';

/** What the model offers: its resolution and condition classes. */
export type ModelClasses = { resolution: number; maskLabels: readonly string[]; boxLabels: readonly string[] };

/** A planned subject with the conditions its synthesis job gets. */
export type PlannedSubject = { subject: CohortSubject; masks: StoredMask[] };

/** `"40-59"` -> [40, 59]. The schema has checked the form. */
export function bandRange(band: AgeBand): [number, number] {
  const [lo, hi] = band.split('-').map(Number) as [number, number];
  return [lo, hi];
}

/**
 * Subject `index` of a cohort: sex, age band and view drawn by weight, each finding by its prevalence, a report
 * sentence per finding (or a normal one), a layout of masks, and a box in the lungs for every finding that has a
 * box class in the model. Everything comes from the subject's own seeded stream, so subject i is the same in a
 * cohort of any size and on every run.
 */
export async function planSubject(request: CohortRequest, index: number, layouts: LayoutSource, model: ModelClasses): Promise<PlannedSubject> {
  const random = subjectRandom(request.seed, index);
  const sex = pickWeighted<Sex>(random, request.sex as Record<Sex, number>);
  const ageBand = pickWeighted<AgeBand>(random, request.ageBands);
  const [lo, hi] = bandRange(ageBand);
  const age = uniformInt(random, lo, hi);
  const view = pickWeighted<View>(random, request.view as Record<View, number>);
  const findings = (Object.entries(request.findings) as [CohortFinding, number][])
    .filter(([, prevalence]) => random() < prevalence)
    .map(([name]) => name)
    .sort();
  const phrases = findings.length === 0 ? [pickOne(random, NORMAL_PHRASES)] : findings.map((f) => pickOne(random, COHORT_FINDINGS[f].phrases));
  const layout = await layouts.draw(random, model.resolution);
  const boxes: BoxCondition[] = [];
  for (const finding of findings) {
    const spec: FindingSpec = COHORT_FINDINGS[finding];
    if (spec.box !== undefined && model.boxLabels.includes(spec.box.label)) {
      boxes.push({ label: spec.box.label, ...boxInLungs(random, layout, spec.box.minSize, spec.box.maxSize) });
    }
  }
  const masks = storedMasks(layout, model.maskLabels);
  return {
    subject: {
      index, sex, age, ageBand, view, findings, text: reportText(phrases), boxes,
      maskLabels: masks.map((m) => m.label), layout: layout.source, seed: (request.seed + index) % 2 ** 32,
    },
    masks,
  };
}

/** Every subject of a cohort, in order (a few ms each: the event loop gets a turn every 5 subjects). */
export async function planCohort(request: CohortRequest, layouts: LayoutSource, model: ModelClasses): Promise<PlannedSubject[]> {
  const subjects: PlannedSubject[] = [];
  for (let i = 0; i < request.size; i++) {
    subjects.push(await planSubject(request, i, layouts, model));
    if (i % 5 === 4) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return subjects;
}
