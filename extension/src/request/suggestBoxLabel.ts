/** Words that mean one of the model's box classes (the server accepts the same synonyms). */
const SYNONYMS: Record<string, string> = { pneumonia: 'opacity', consolidation: 'opacity', infiltrate: 'opacity', infiltration: 'opacity' };

/** Normalises a label like the server does: `Right Lung`, `right-lung` and `right_lung` are the same. */
export function normaliseLabel(label: string): string {
  return label.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * The model box class that a free-text measurement label names, or '' when none: exact match after
 * normalisation, then a synonym.
 */
export function suggestBoxLabel(measurementLabel: string, boxLabels: readonly string[]): string {
  const label = normaliseLabel(measurementLabel);
  if (label === '') return '';
  const direct = boxLabels.find((l) => normaliseLabel(l) === label);
  if (direct !== undefined) return direct;
  const synonym = SYNONYMS[label];
  return synonym !== undefined && boxLabels.includes(synonym) ? synonym : '';
}
