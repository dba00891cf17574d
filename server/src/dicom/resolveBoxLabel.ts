import { normaliseLabel, type ConditionChannel } from '../synthesis/conditioning.js';

// The synonyms conditioning.ts accepts for box classes (kept in step with its BOX_SYNONYMS, which is not exported).
const BOX_SYNONYMS: Readonly<Record<string, string>> = {
  pneumonia: 'opacity', infiltrate: 'opacity', infiltration: 'opacity', consolidation: 'opacity',
  lung_right: 'right_lung', lung_left: 'left_lung',
};

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
