import type { ConditionChannel } from './conditionTypes.js';

/**
 * Words users and viewers write for the model's box classes (the training data mapped the same ones). The OHIF
 * extension suggests labels from the same list.
 */
export const BOX_SYNONYMS: Readonly<Record<string, string>> = {
  pneumonia: 'opacity', infiltrate: 'opacity', infiltration: 'opacity', consolidation: 'opacity',
  right_lung: 'right_lung', left_lung: 'left_lung', lung_right: 'right_lung', lung_left: 'left_lung',
};

/** `Right Lung`, `right-lung` and `right_lung` name the same class. */
export function normaliseLabel(label: string): string {
  return label.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * The channel of `kind` that a request label names (normalised; box labels through {@link BOX_SYNONYMS}), or
 * undefined when the model has none. Callers say why a miss is wrong in their own terms.
 */
export function findChannel<C extends Pick<ConditionChannel, 'kind' | 'label'>>(channels: readonly C[], kind: C['kind'], label: string): C | undefined {
  const wanted = normaliseLabel(label);
  const resolved = kind === 'box' ? (BOX_SYNONYMS[wanted] ?? wanted) : wanted;
  return channels.find((c) => c.kind === kind && c.label === resolved);
}
