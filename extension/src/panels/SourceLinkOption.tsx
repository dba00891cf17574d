import { styles } from './styles';

type Props = { sourceStudy: string | undefined; checked: boolean; onChange: (checked: boolean) => void };

/**
 * Whether the synthetic study's SR names the study open in the viewer (its StudyInstanceUID, nothing else). Off
 * until the user ticks it: the open study may be a real patient's, and its UID would then travel with the synthetic
 * study to the PACS and to whoever receives the dataset.
 */
export function SourceLinkOption({ sourceStudy, checked, onChange }: Props) {
  return (
    <section style={styles.section}>
      <label style={{ ...styles.row, fontSize: 12 }}>
        <input
          type="checkbox"
          data-cy="chexgen-link-source"
          checked={checked && sourceStudy !== undefined}
          disabled={sourceStudy === undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        Link the open study in the synthetic SR
      </label>
      <span data-cy="chexgen-link-source-hint" style={styles.muted}>
        {sourceStudy === undefined
          ? 'No study is open.'
          : checked
            ? `The SR will name study ${sourceStudy} (its UID only). It may identify a patient.`
            : 'Off: nothing of the open study is sent; the synthetic study links to no source.'}
      </span>
    </section>
  );
}
