import { useMemo, useState } from 'react';
import type { ChexgenClient } from '../api/ChexgenClient';
import type { EventSourceFactory } from '../api/followEvents';
import type { ApiLimits, ModelInfo } from '../contract';
import { buildCohortRequest, defaultCohortForm, type CohortForm } from '../cohort/buildCohortRequest';
import { ErrorBox } from './JobSection';
import { styles } from './styles';
import { useCohortJob } from './useCohortJob';

type Props = { client: ChexgenClient; openEvents: EventSourceFactory; model: ModelInfo; limits: ApiLimits; onClose: () => void };

const overlay = { position: 'fixed', inset: 0, background: 'rgba(0,0,0,0.6)', zIndex: 1000, display: 'flex', alignItems: 'center', justifyContent: 'center' } as const;
const dialog = { ...styles.panel, background: '#041c33', border: '1px solid #5acce6', borderRadius: 6, width: 520, maxHeight: '90vh', overflowY: 'auto', padding: 14 } as const;

/** Cohort dialog: size, seed, distributions over sex, age band, view and finding prevalence -> a cohort job. */
export function CohortDialog({ client, openEvents, model, limits, onClose }: Props) {
  const [form, setForm] = useState<CohortForm>(defaultCohortForm);
  const job = useCohortJob(client, openEvents);
  const built = useMemo(() => buildCohortRequest(form, limits), [form, limits]);
  const findings = model.findings ?? model.boxLabels;
  const busy = job.state.phase === 'submitting' || job.state.phase === 'queued' || job.state.phase === 'running';
  const reason = busy ? 'a cohort job is running' : built.problems[0] ? `${built.problems[0].field}: ${built.problems[0].message}` : '';
  const weight = (value: string, set: (v: string) => void, label: string, cy: string) => (
    <label style={styles.label}>
      {label}
      <input data-cy={cy} style={{ ...styles.input, width: 50 }} value={value} onChange={(e) => set(e.target.value)} />
    </label>
  );
  const p = job.state.progress;
  return (
    <div style={overlay} role="dialog" aria-modal="true" aria-label="Synthetic cohort">
      <div style={dialog} data-cy="chexgen-cohort-dialog">
        <h3 style={styles.heading}>Synthetic cohort</h3>
        <div style={styles.muted}>Weights are relative; the server normalises them. Empty = the server's default.</div>
        <div style={styles.row}>
          <label style={styles.label}>
            Size (1-{limits.maxCohortSize})
            <input data-cy="chexgen-cohort-size" style={{ ...styles.input, width: 70 }} value={form.size} onChange={(e) => setForm({ ...form, size: e.target.value })} />
          </label>
          <label style={styles.label}>
            Seed
            <input data-cy="chexgen-cohort-seed" placeholder="random" style={{ ...styles.input, width: 90 }} value={form.seed} onChange={(e) => setForm({ ...form, seed: e.target.value })} />
          </label>
          <label style={styles.label}>
            Layout
            <select style={styles.input} value={form.layout} onChange={(e) => setForm({ ...form, layout: e.target.value as CohortForm['layout'] })}>
              <option value="templates">templates</option>
              <option value="annotations">annotations</option>
            </select>
          </label>
          <label style={styles.label}>
            Steps
            <input style={{ ...styles.input, width: 50 }} placeholder={String(model.defaultSteps)} value={form.steps} onChange={(e) => setForm({ ...form, steps: e.target.value })} />
          </label>
        </div>
        <div style={styles.row}>
          <span style={styles.muted}>Sex</span>
          {weight(form.sex.F, (v) => setForm({ ...form, sex: { ...form.sex, F: v } }), 'F', 'chexgen-cohort-sex-F')}
          {weight(form.sex.M, (v) => setForm({ ...form, sex: { ...form.sex, M: v } }), 'M', 'chexgen-cohort-sex-M')}
          <span style={styles.muted}>View</span>
          {weight(form.view.PA, (v) => setForm({ ...form, view: { ...form.view, PA: v } }), 'PA', 'chexgen-cohort-view-PA')}
          {weight(form.view.AP, (v) => setForm({ ...form, view: { ...form.view, AP: v } }), 'AP', 'chexgen-cohort-view-AP')}
        </div>
        <div style={styles.row}>
          <span style={styles.muted}>Age bands</span>
          {form.ageBands.map((band, i) => (
            <span key={i} style={styles.row}>
              <input aria-label={`age band ${i + 1}`} style={{ ...styles.input, width: 52 }} value={band.band} onChange={(e) => setForm({ ...form, ageBands: form.ageBands.map((b, j) => (j === i ? { ...b, band: e.target.value } : b)) })} />
              <input aria-label={`weight of age band ${i + 1}`} style={{ ...styles.input, width: 36 }} value={band.weight} onChange={(e) => setForm({ ...form, ageBands: form.ageBands.map((b, j) => (j === i ? { ...b, weight: e.target.value } : b)) })} />
            </span>
          ))}
        </div>
        <div style={styles.muted}>Finding prevalence (0-1)</div>
        <div style={styles.row}>
          {findings.map((f) => (
            <label key={f} style={styles.label}>
              {f}
              <input aria-label={`prevalence of ${f}`} style={{ ...styles.input, width: 44 }} placeholder="–" value={form.findings[f] ?? ''} onChange={(e) => setForm({ ...form, findings: { ...form.findings, [f]: e.target.value } })} />
            </label>
          ))}
        </div>
        <div style={styles.row}>
          <button type="button" data-cy="chexgen-cohort-submit" style={{ ...styles.primary, ...(reason ? styles.disabled : {}) }} disabled={reason !== ''} onClick={() => built.request && void job.submit(built.request)}>
            Make cohort
          </button>
          {busy && job.state.id && (
            <button type="button" style={styles.button} onClick={() => void job.cancel()}>
              Cancel cohort
            </button>
          )}
          <button type="button" data-cy="chexgen-cohort-close" style={styles.button} onClick={onClose}>
            Close
          </button>
        </div>
        {reason && !busy && <div style={styles.muted}>Cannot submit: {reason}</div>}
        {job.state.phase !== 'idle' && (
          <div style={styles.row} data-cy="chexgen-cohort-status">
            <span>{job.state.phase}</span>
            {p && (
              <span>
                {p.done} of {p.total} done{p.failed > 0 ? `, ${p.failed} failed` : ''}{p.canceled > 0 ? `, ${p.canceled} canceled` : ''} ({Math.round(p.fraction * 100)}%)
              </span>
            )}
          </div>
        )}
        {job.state.manifest && (job.state.phase === 'succeeded' || job.state.phase === 'failed' || job.state.phase === 'canceled') && (
          <div style={styles.row} data-cy="chexgen-cohort-manifest">
            Manifest:
            <a href={client.url(job.state.manifest.json)} target="_blank" rel="noreferrer" style={{ color: '#5acce6' }}>
              JSON
            </a>
            <a href={client.url(job.state.manifest.csv)} target="_blank" rel="noreferrer" style={{ color: '#5acce6' }}>
              CSV
            </a>
          </div>
        )}
        {job.state.contactSheet && job.state.progress !== undefined && job.state.progress.done > 0 && (job.state.phase === 'succeeded' || job.state.phase === 'canceled') && (
          <a href={client.url(job.state.contactSheet)} target="_blank" rel="noreferrer" data-cy="chexgen-cohort-sheet">
            <img src={client.url(job.state.contactSheet)} alt="contact sheet: every subject made, with its labels" style={{ width: '100%', marginTop: 6 }} />
          </a>
        )}
        {job.state.error && <ErrorBox error={job.state.error} />}
      </div>
    </div>
  );
}
