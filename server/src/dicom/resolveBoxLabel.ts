import { findChannel } from '../conditions/conditionLabels.js';
import type { ConditionChannel } from '../conditions/conditionTypes.js';

/**
 * The model box class a request label stands for (`Nodule` -> `nodule`, `pneumonia` -> `opacity`), checked
 * against the model's box channels. Records only hold labels that passed this rule, so a miss is a bug.
 */
export function resolveBoxLabel(label: string, channels: readonly Pick<ConditionChannel, 'kind' | 'label'>[]): string {
  const channel = findChannel(channels, 'box', label);
  if (channel === undefined) {
    const known = channels.filter((c) => c.kind === 'box').map((c) => c.label);
    throw new Error(`resolveBoxLabel: box label "${label}" is not a box channel of the model (${known.join(', ')})`);
  }
  return channel.label;
}
