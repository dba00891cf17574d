/** Report templates offered by the prompt builder (plain radiology phrasing the model was trained on). */
export const REPORT_TEMPLATES: readonly { name: string; text: string }[] = [
  { name: 'Normal', text: 'The lungs are clear. Heart size is normal. No pleural effusion or pneumothorax.' },
  { name: 'Cardiomegaly', text: 'The heart is enlarged. No focal consolidation. No pleural effusion.' },
  { name: 'Pleural effusion', text: 'Small left pleural effusion with adjacent atelectasis. Heart size is normal.' },
  { name: 'Nodule', text: 'Solitary pulmonary nodule in the right upper lobe. No pleural effusion.' },
  { name: 'Pneumonia', text: 'Patchy consolidation in the right lower lobe, consistent with pneumonia.' },
];

/** A findings sentence for the picked findings, e.g. `Findings: cardiomegaly, effusion.`; empty for none. */
export function findingsSentence(findings: readonly string[]): string {
  return findings.length === 0 ? '' : `Findings: ${findings.join(', ')}.`;
}
