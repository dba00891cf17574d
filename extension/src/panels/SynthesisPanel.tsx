import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ChexgenClient } from '../api/ChexgenClient';
import type { EventSourceFactory } from '../api/followEvents';
import type { ErrorBody, ModelInfo, ModelsResponse } from '../contract';
import type { SourceBox, SourceSegment } from '../annotations/types';
import { buildSynthesisRequest, type SynthesisForm } from '../request/buildSynthesisRequest';
import { normaliseLabel, suggestBoxLabel } from '../request/suggestBoxLabel';
import type { AnnotationHost } from './AnnotationHost';
import { AnnotationsSection } from './AnnotationsSection';
import { CohortDialog } from './CohortDialog';
import { ErrorBox, JobSection } from './JobSection';
import { OptionsSection } from './OptionsSection';
import { PromptSection } from './PromptSection';
import { SourceLinkOption } from './SourceLinkOption';
import { styles } from './styles';
import { toErrorBody, useSynthesisJob } from './useSynthesisJob';

export type SynthesisPanelProps = {
  client: ChexgenClient;
  host: AnnotationHost;
  openEvents: EventSourceFactory;
  /** Random source for the seed dice (injected for tests). */
  random?: () => number;
  /** How long annotation changes settle before the panel re-reads them (brush strokes fire many events). */
  debounceMs?: number;
};

/**
 * The chexgen panel: builds a synthesis request from the prompt fields, the viewer's boxes and segments and the
 * options; Synthesize is disabled with the reason while the request is invalid; then follows the job and shows
 * the results, which open beside the source study. Also opens the cohort dialog.
 */
export function SynthesisPanel({ client, host, openEvents, random = Math.random, debounceMs = 250 }: SynthesisPanelProps) {
  const [models, setModels] = useState<ModelsResponse>();
  const [loadError, setLoadError] = useState<ErrorBody>();
  const [boxes, setBoxes] = useState<SourceBox[]>(() => host.readBoxes());
  const [segments, setSegments] = useState<SourceSegment[]>(() => host.readSegments());
  const [form, setForm] = useState<SynthesisForm>(emptyForm);
  const [cohortOpen, setCohortOpen] = useState(false);
  const job = useSynthesisJob(client, openEvents);
  const model: ModelInfo | undefined = models?.models.find((m) => m.loaded) ?? models?.models[0];

  useEffect(() => {
    let live = true;
    client.models().then(
      (answer) => {
        if (!live) return;
        setModels(answer);
        const loaded = answer.models.find((m) => m.loaded) ?? answer.models[0];
        if (loaded) setForm((f) => ({ ...f, steps: f.steps || String(loaded.defaultSteps), guidance: f.guidance || String(loaded.defaultGuidance),
          spatialGuidance: f.spatialGuidance || String(loaded.defaultSpatialGuidance), sampler: f.sampler || loaded.samplers[0] || '' }));
      },
      (error: unknown) => live && setLoadError(toErrorBody(error)),
    );
    return () => {
      live = false;
    };
  }, [client]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = host.subscribe(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        setBoxes(host.readBoxes());
        setSegments(host.readSegments());
      }, debounceMs);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [host, debounceMs]);

  // New boxes and segments get a suggested class from their own label; the user's choice is kept afterwards.
  useEffect(() => {
    if (!model) return;
    setForm((f) => {
      const boxLabels = { ...f.boxLabels };
      for (const b of boxes) if (!(b.uid in boxLabels)) boxLabels[b.uid] = suggestBoxLabel(b.measurementLabel, model.boxLabels);
      const maskLabels = { ...f.maskLabels };
      for (const s of segments) if (!(s.key in maskLabels)) maskLabels[s.key] = model.maskLabels.find((l) => l === normaliseLabel(s.name)) ?? '';
      return { ...f, boxLabels, maskLabels };
    });
  }, [boxes, segments, model]);

  const onChange = useCallback((patch: Partial<SynthesisForm>) => setForm((f) => ({ ...f, ...patch })), []);
  const built = useMemo(
    () => (model && models ? buildSynthesisRequest({ form, boxes, segments, model, limits: models.limits, sourceStudy: host.currentStudy() }) : undefined),
    [form, boxes, segments, model, models, host],
  );
  const busy = job.state.phase === 'submitting' || job.state.phase === 'queued' || job.state.phase === 'running';
  const reason = !built ? 'loading the model list…' : busy ? 'a job is running' : built.problems[0] ? `${built.problems[0].field}: ${built.problems[0].message}` : '';

  if (loadError) return <div style={styles.panel}><ErrorBox error={loadError} /></div>;
  return (
    <div style={styles.panel} data-cy="chexgen-panel">
      <div style={styles.row}>
        <strong>Chest X-ray synthesis</strong>
        <span style={styles.muted}>{model ? `${model.name} ${model.version}` : 'loading…'} · research use, synthetic images</span>
      </div>
      <PromptSection form={form} findings={promptFindings(model)} onChange={onChange} />
      <AnnotationsSection boxes={boxes} segments={segments} boxClasses={model?.boxLabels ?? []} maskClasses={model?.maskLabels ?? []} form={form} onChange={onChange} />
      <OptionsSection form={form} samplers={model?.samplers ?? []} maxCount={models?.limits.maxCount ?? 16} maxSteps={models?.limits.maxSteps ?? 100} random={random} onChange={onChange} />
      <SourceLinkOption sourceStudy={host.currentStudy()} checked={form.linkSourceStudy} onChange={(linkSourceStudy) => onChange({ linkSourceStudy })} />
      <div style={styles.row}>
        <button
          type="button"
          data-cy="chexgen-synthesize"
          style={{ ...styles.primary, ...(reason ? styles.disabled : {}) }}
          disabled={reason !== ''}
          onClick={() => built?.request && void job.submit(built.request)}
        >
          Synthesize
        </button>
        <button type="button" data-cy="chexgen-open-cohort" style={styles.button} onClick={() => setCohortOpen(true)}>
          Cohort…
        </button>
      </div>
      {reason && <div data-cy="chexgen-disabled-reason" style={styles.muted}>Cannot synthesize: {reason}</div>}
      <JobSection
        state={job.state}
        previewUrl={(path) => client.url(path)}
        onCancel={() => void job.cancel()}
        onOpen={(result) => {
          const source = built?.request?.sourceStudy ?? host.currentStudy();
          host.openStudies(source ? [source, result.StudyInstanceUID] : [result.StudyInstanceUID]);
        }}
      />
      {cohortOpen && model && models && (
        <CohortDialog client={client} openEvents={openEvents} model={model} limits={models.limits} onClose={() => setCohortOpen(false)} />
      )}
    </div>
  );
}

/** Findings offered in the prompt: the model's finding vocabulary, else its non-anatomy box classes. */
function promptFindings(model: ModelInfo | undefined): string[] {
  if (model === undefined) return [];
  return model.findings ?? model.boxLabels.filter((label) => !model.maskLabels.includes(label));
}

function emptyForm(): SynthesisForm {
  return { text: '', findings: [], sex: '', age: '', view: '', boxLabels: {}, maskLabels: {}, count: '1', seed: '', steps: '', guidance: '', spatialGuidance: '', sampler: '', linkSourceStudy: false };
}
