import { VIEWS, type Sex, type View } from '../contract';
import { compilePrompt } from '../contract';
import { REPORT_TEMPLATES } from '../request/reportTemplates';
import { reportText, type SynthesisForm } from '../request/buildSynthesisRequest';
import { styles } from './styles';

type Props = { form: SynthesisForm; findings: readonly string[]; onChange: (patch: Partial<SynthesisForm>) => void };

/** Prompt builder: report text, templates, structured sex/age/view/findings and the exact text the model gets. */
export function PromptSection({ form, findings, onChange }: Props) {
  const age = /^\d+$/.test(form.age.trim()) ? Number(form.age) : undefined;
  const prompt = compilePrompt({ sex: form.sex || undefined, age, view: form.view || undefined, text: reportText(form) });
  const toggleFinding = (finding: string) =>
    onChange({ findings: form.findings.includes(finding) ? form.findings.filter((f) => f !== finding) : [...form.findings, finding] });
  return (
    <section style={styles.section}>
      <h3 style={styles.heading}>Prompt</h3>
      <div style={styles.row}>
        <span style={styles.muted}>Template:</span>
        {REPORT_TEMPLATES.map((t) => (
          <button key={t.name} type="button" style={styles.button} onClick={() => onChange({ text: t.text })}>
            {t.name}
          </button>
        ))}
      </div>
      <label style={styles.label}>
        Report text
        <textarea data-cy="chexgen-report-text" style={styles.textarea} value={form.text} onChange={(e) => onChange({ text: e.target.value })} />
      </label>
      <div style={styles.row}>
        <label style={styles.label}>
          Sex
          <select data-cy="chexgen-sex" style={styles.input} value={form.sex} onChange={(e) => onChange({ sex: e.target.value as Sex | '' })}>
            <option value="">—</option>
            <option value="F">female</option>
            <option value="M">male</option>
          </select>
        </label>
        <label style={styles.label}>
          Age
          <input data-cy="chexgen-age" style={{ ...styles.input, width: 50 }} inputMode="numeric" value={form.age} onChange={(e) => onChange({ age: e.target.value })} />
        </label>
        <label style={styles.label}>
          View
          <select data-cy="chexgen-view" style={styles.input} value={form.view} onChange={(e) => onChange({ view: e.target.value as View | '' })}>
            <option value="">—</option>
            {VIEWS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div style={styles.row} aria-label="Findings">
        {findings.map((f) => (
          <label key={f} style={{ ...styles.row, gap: 2 }}>
            <input type="checkbox" checked={form.findings.includes(f)} onChange={() => toggleFinding(f)} />
            {f}
          </label>
        ))}
      </div>
      <div>
        <div style={styles.muted}>The model gets (the server adds the sex/age/view prefix):</div>
        <div data-cy="chexgen-prompt-preview" style={styles.prompt}>
          {prompt === '' ? '(empty: unconditional on text)' : prompt}
        </div>
      </div>
    </section>
  );
}
