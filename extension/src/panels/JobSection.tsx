import type { ErrorBody, SynthesisResult } from '../contract';
import type { SynthesisJobState } from './useSynthesisJob';
import { styles } from './styles';

type Props = {
  state: SynthesisJobState;
  previewUrl: (path: string) => string;
  onCancel: () => void;
  onOpen: (result: SynthesisResult) => void;
};

/** A running or finished job: per-image progress, cancel, the server's error, result thumbnails. */
export function JobSection({ state, previewUrl, onCancel, onOpen }: Props) {
  if (state.phase === 'idle' && state.error === undefined) return null;
  const running = state.phase === 'submitting' || state.phase === 'queued' || state.phase === 'running';
  const p = state.progress;
  return (
    <section style={styles.section} data-cy="chexgen-job">
      <h3 style={styles.heading}>Job {state.id ? state.id.slice(0, 8) : ''}</h3>
      {state.phase !== 'idle' && (
        <div style={styles.row}>
          <span data-cy="chexgen-job-status">{state.phase}</span>
          {p && (
            <span data-cy="chexgen-progress-text">
              image {Math.min(p.image + 1, p.count)} of {p.count}, step {p.step} of {p.steps}
            </span>
          )}
        </div>
      )}
      {p && (
        <div style={styles.progressOuter} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.fraction * 100)}>
          <div style={{ width: `${Math.round(p.fraction * 100)}%`, height: '100%', background: '#5acce6' }} />
        </div>
      )}
      {running && state.id !== undefined && (
        <button type="button" data-cy="chexgen-cancel" style={styles.button} onClick={onCancel}>
          Cancel
        </button>
      )}
      {state.error && <ErrorBox error={state.error} />}
      <div style={styles.row}>
        {state.results.map((r) => (
          <figure key={r.index} style={{ margin: 0, display: 'flex', flexDirection: 'column', gap: 3 }} data-cy="chexgen-result">
            <img src={previewUrl(r.previewUrl)} alt={`synthetic image ${r.index + 1}, seed ${r.seed}`} style={styles.thumbnail} />
            <figcaption style={styles.muted}>
              seed {r.seed} {r.delivered ? '' : '(storing…)'}
            </figcaption>
            <button type="button" data-cy={`chexgen-open-${r.index}`} style={styles.button} disabled={!r.delivered} onClick={() => onOpen(r)}>
              Open beside source
            </button>
          </figure>
        ))}
      </div>
    </section>
  );
}

/** A server error as it came: code, message, field. */
export function ErrorBox({ error }: { error: ErrorBody }) {
  return (
    <div role="alert" style={styles.error} data-cy="chexgen-error">
      <strong>{error.code}</strong>
      {error.field ? ` (${error.field})` : ''}: {error.message}
    </div>
  );
}
