import { MAX_SEED } from '../contract';
import type { SynthesisForm } from '../request/buildSynthesisRequest';
import { styles } from './styles';

type Props = { form: SynthesisForm; samplers: readonly string[]; maxCount: number; maxSteps: number; random: () => number; onChange: (patch: Partial<SynthesisForm>) => void };

/** Count, seed (with a dice button), steps, the two guidance scales and sampler. */
export function OptionsSection({ form, samplers, maxCount, maxSteps, random, onChange }: Props) {
  const field = (name: 'count' | 'steps' | 'guidance' | 'spatialGuidance', label: string, hint: string) => (
    <label style={styles.label}>
      {label}
      <input data-cy={`chexgen-${name}`} title={hint} style={{ ...styles.input, width: 56 }} value={form[name]} onChange={(e) => onChange({ [name]: e.target.value })} />
    </label>
  );
  return (
    <section style={styles.section}>
      <h3 style={styles.heading}>Options</h3>
      <div style={styles.row}>
        {field('count', 'Images', `1-${maxCount}`)}
        <label style={styles.label}>
          Seed
          <span style={styles.row}>
            <input data-cy="chexgen-seed" placeholder="random" style={{ ...styles.input, width: 90 }} value={form.seed} onChange={(e) => onChange({ seed: e.target.value })} />
            <button type="button" title="random seed" aria-label="random seed" style={styles.button} onClick={() => onChange({ seed: String(Math.floor(random() * (MAX_SEED + 1))) })}>
              Dice
            </button>
          </span>
        </label>
        {field('steps', 'Steps', `1-${maxSteps}`)}
        {field('guidance', 'Guidance', 'how strongly the report text steers the image, 0-20')}
        {field('spatialGuidance', 'Mask/box guidance', 'how strongly masks and boxes steer the image, 0-20')}
        <label style={styles.label}>
          Sampler
          <select data-cy="chexgen-sampler" style={styles.input} value={form.sampler} onChange={(e) => onChange({ sampler: e.target.value })}>
            {samplers.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
    </section>
  );
}
