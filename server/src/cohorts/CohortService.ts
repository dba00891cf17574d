import { createHash, randomInt, randomUUID } from 'node:crypto';
import { ChexgenError } from '../errors.js';
import { canonicalJson } from '../jobs/canonicalJson.js';
import type { JobService } from '../jobs/JobService.js';
import { isFinal } from '../jobs/jobTypes.js';
import { buildCohortManifest, type CohortManifest } from './cohortManifest.js';
import type { CohortStore, NewSubjectJob } from './CohortStore.js';
import type { SubmittedCohort } from './cohortRequest.js';
import type { Cohort, CohortRequest } from './cohortTypes.js';
import type { LayoutSource } from './layouts.js';
import { planCohort } from './planCohort.js';
import { ContactSheetCache } from './ContactSheetCache.js';
import { renderContactSheet } from './renderContactSheet.js';


/** Where layouts come from: the built-in templates always, real annotations when configured. */
export type CohortLayouts = { templates: LayoutSource; annotations?: LayoutSource };

/**
 * Cohort use cases: plan the subjects, check each as a synthesis request against the loaded model, store the cohort
 * and its subjects' jobs in one transaction, report progress, cancel, and build the dataset manifest.
 */
export class CohortService {
  constructor(
    private readonly store: CohortStore,
    private readonly jobs: JobService,
    private readonly layouts: CohortLayouts,
    private readonly sheets = new ContactSheetCache(),
  ) {}

  /** Whether `layout: "annotations"` can be used (CHEXGEN_LAYOUTS_MANIFEST is set). */
  get annotationsAvailable(): boolean {
    return this.layouts.annotations !== undefined;
  }

  async submit(submitted: SubmittedCohort, idempotencyKey: string | null): Promise<{ cohort: Cohort; created: boolean }> {
    const requestHash = createHash('sha256').update(canonicalJson(submitted)).digest('hex');
    if (idempotencyKey !== null) {
      const existing = await this.store.findByIdempotencyKey(idempotencyKey);
      if (existing !== undefined) return this.store.insert({ id: existing.id, request: existing.request, requestHash, idempotencyKey }, []);
    }
    const layouts = submitted.layout === 'annotations' ? this.layouts.annotations : this.layouts.templates;
    if (layouts === undefined) {
      throw new ChexgenError('INVALID_FIELD', 'layout: "annotations" needs a manifest of real annotations on the server (CHEXGEN_LAYOUTS_MANIFEST); use "templates"', {
        field: 'layout', status: 400,
      });
    }
    const model = this.jobs.modelClasses;
    // checked before planning, which takes a few ms per subject
    const request: CohortRequest = { ...submitted, seed: submitted.seed ?? randomInt(0, 2 ** 31), model: this.jobs.resolveModel(submitted.model) };
    await this.jobs.ensureQueueRoom(submitted.size);
    const planned = await planCohort(request, layouts, model);
    const subjects: NewSubjectJob[] = [];
    for (const [i, { subject, masks }] of planned.entries()) {
      // checking a subject against the model takes a few ms: the event loop gets a turn every 5 subjects
      if (i % 5 === 4) await new Promise<void>((resolve) => setImmediate(resolve));
      const prepared = this.jobs.prepare({
        text: subject.text, sex: subject.sex, age: subject.age, view: subject.view,
        ...(subject.boxes.length > 0 ? { boxes: subject.boxes } : {}), ...(masks.length > 0 ? { masks } : {}),
        count: 1, seed: subject.seed, model: request.model,
        ...(request.steps !== undefined ? { steps: request.steps } : {}), ...(request.guidance !== undefined ? { guidance: request.guidance } : {}),
        ...(request.spatialGuidance !== undefined ? { spatialGuidance: request.spatialGuidance } : {}), ...(request.sampler !== undefined ? { sampler: request.sampler } : {}),
      });
      subjects.push({ jobId: randomUUID(), request: prepared.request, requestHash: prepared.requestHash, subject, progress: prepared.progress });
    }
    const outcome = await this.store.insert({ id: randomUUID(), request, requestHash, idempotencyKey }, subjects, this.jobs.queueLimit);
    if (outcome.created) this.jobs.notifyQueued();
    return outcome;
  }

  async get(id: string): Promise<Cohort> {
    const cohort = await this.store.get(id);
    if (cohort === undefined) throw new ChexgenError('NOT_FOUND', `no cohort ${id}`, { field: 'id', status: 404 });
    return cohort;
  }

  /** Cancels the subjects not made yet (queued at once, running between two steps); images already stored stay. */
  async cancel(id: string): Promise<Cohort> {
    const cohort = await this.get(id);
    if (isFinal(cohort.status)) {
      throw new ChexgenError('JOB_FINISHED', `cohort ${id} has already ${cohort.status === 'canceled' ? 'been canceled' : cohort.status}`, { field: 'id', status: 409 });
    }
    const { running } = await this.store.requestCancel(id);
    this.jobs.stopRunning(running);
    return this.get(id);
  }

  async manifest(id: string): Promise<CohortManifest> {
    return buildCohortManifest(await this.get(id), await this.store.subjects(id));
  }

  /**
   * A PNG contact sheet of the first `limit` subjects made so far (preview, boxes, labels) and its version (for an
   * ETag: it changes when another subject is made); NOT_FOUND while none is made. Rendered once per version.
   */
  async contactSheet(id: string, limit = 60): Promise<{ version: string; png: () => Promise<Buffer> }> {
    const made = (await this.manifest(id)).subjects.filter((s) => s.status === 'succeeded').slice(0, limit);
    if (made.length === 0) throw new ChexgenError('NOT_FOUND', `cohort ${id} has no image yet`, { field: 'id', status: 404 });
    const version = createHash('sha256').update(made.map((s) => s.jobId).join(',')).digest('hex').slice(0, 32);
    const resolution = this.jobs.modelClasses.resolution;
    const render = async (): Promise<Buffer> =>
      renderContactSheet(await Promise.all(made.map(async (subject) => ({ subject, resolution, preview: await this.previewIfKept(subject.jobId) }))));
    return { version, png: () => this.sheets.get(id, version, render) };
  }

  /** A made subject's first preview, or undefined once purged (its tile says so; the study is still in the store). */
  private async previewIfKept(jobId: string): Promise<Buffer | undefined> {
    try {
      return await this.jobs.preview(jobId, 0);
    } catch (error) {
      if (error instanceof ChexgenError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }
}
