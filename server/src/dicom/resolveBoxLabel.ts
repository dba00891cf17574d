import { BOX_SYNONYMS, normaliseLabel, type ConditionChannel } from '../synthesis/conditioning.js';

/**
 * The model box class a request label stands for (`Nodule` -> `nodule`, `pneumonia` -> `opacity`), checked
 * against the model's box channels. Records only hold labels that passed this rule, so a miss is a bug.
 */
export function resolveBoxLabel(label: string, channels: readonly Pick<ConditionChannel, 'kind' | 'label'>[]): string {
  const normalised = normaliseLabel(label);
  const resolved = BOX_SYNONYMS[normalised] ?? normalised;
  if (!channels.some((c) => c.kind === 'box' && c.label === resolved)) {
    const known = channels.filter((c) => c.kind === 'box').map((c) => c.label);
    throw new Error(`resolveBoxLabel: box label "${label}" is not a box channel of the model (${known.join(', ')})`);
  }
  return resolved;
}
