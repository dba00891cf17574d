import { BOX_SYNONYMS, normaliseLabel } from '../contract';

/** Label normalisation as the server does it (`Right Lung`, `right-lung` and `right_lung` are the same), the server's own code. */
export { normaliseLabel };

/**
 * The model box class that a free-text measurement label names, or '' when none: exact match after
 * normalisation, then a synonym the server accepts too (server/src/conditions/conditionLabels.ts).
 */
export function suggestBoxLabel(measurementLabel: string, boxLabels: readonly string[]): string {
  const label = normaliseLabel(measurementLabel);
  if (label === '') return '';
  const direct = boxLabels.find((l) => normaliseLabel(l) === label);
  if (direct !== undefined) return direct;
  const synonym = BOX_SYNONYMS[label];
  return synonym !== undefined && boxLabels.includes(synonym) ? synonym : '';
}
