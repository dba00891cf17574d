import type { Sex, View } from '../conditions/conditionTypes.js';

const SEX_WORDS: Record<Sex, string> = { M: 'male', F: 'female' };

/**
 * The demographic prefix the model was trained with (models/training/chexgen_train/prompts.py `prefix`):
 * `sex: female, age: 63, view: PA.`, each part optional, in this order. Empty when nothing is given.
 */
export function promptPrefix(fields: { sex?: Sex; age?: number; view?: View }): string {
  const parts: string[] = [];
  if (fields.sex !== undefined) parts.push(`sex: ${SEX_WORDS[fields.sex]}`);
  if (fields.age !== undefined) parts.push(`age: ${Math.trunc(fields.age)}`);
  if (fields.view !== undefined) parts.push(`view: ${fields.view}`);
  return parts.length > 0 ? `${parts.join(', ')}.` : '';
}

/** The exact text the model gets: prefix, a space, then the report text (either may be empty). */
export function compilePrompt(fields: { sex?: Sex; age?: number; view?: View; text?: string }): string {
  const prefix = promptPrefix(fields);
  const text = (fields.text ?? '').trim();
  return prefix && text ? `${prefix} ${text}` : prefix || text;
}
