import type { SourceBox, SourceSegment } from '../annotations/types';
import type { SynthesisForm } from '../request/buildSynthesisRequest';
import { styles } from './styles';

type Props = {
  boxes: readonly SourceBox[];
  segments: readonly SourceSegment[];
  boxClasses: readonly string[];
  maskClasses: readonly string[];
  form: SynthesisForm;
  onChange: (patch: Partial<SynthesisForm>) => void;
};

/** The current RectangleROI boxes and labelmap segments, each mapped to one of the model's classes (or not sent). */
export function AnnotationsSection({ boxes, segments, boxClasses, maskClasses, form, onChange }: Props) {
  return (
    <section style={styles.section}>
      <h3 style={styles.heading}>Boxes ({boxes.length})</h3>
      {boxes.length === 0 && <div style={styles.muted}>Draw a Rectangle ROI on the image to place a finding.</div>}
      {boxes.map((box, i) => (
        <div key={box.uid} style={styles.row} data-cy="chexgen-box">
          <span>
            #{i + 1} [{Math.round(box.x0)}, {Math.round(box.y0)}]–[{Math.round(box.x1)}, {Math.round(box.y1)}] of {box.sourceWidth}×{box.sourceHeight}
          </span>
          <select
            data-cy={`chexgen-box-label-${i}`}
            aria-label={`finding of box ${i + 1}`}
            style={styles.input}
            value={form.boxLabels[box.uid] ?? ''}
            onChange={(e) => onChange({ boxLabels: { ...form.boxLabels, [box.uid]: e.target.value } })}
          >
            <option value="">not sent</option>
            {boxClasses.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      ))}
      <h3 style={styles.heading}>Masks ({segments.length})</h3>
      {segments.length === 0 && <div style={styles.muted}>Add a labelmap segmentation and paint it with the brush to give lung or heart shapes.</div>}
      {segments.map((segment, i) => (
        <div key={segment.key} style={styles.row} data-cy="chexgen-segment">
          <span>
            {segment.name} ({segment.pixels} px)
          </span>
          <select
            data-cy={`chexgen-mask-label-${i}`}
            aria-label={`mask class of ${segment.name}`}
            style={styles.input}
            value={form.maskLabels[segment.key] ?? ''}
            onChange={(e) => onChange({ maskLabels: { ...form.maskLabels, [segment.key]: e.target.value } })}
          >
            <option value="">not sent</option>
            {maskClasses.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      ))}
    </section>
  );
}
