import { ChexgenError } from '../errors.js';
import { CODES, type Code } from './codes.js';
import { generationRecordSchema, type GenerationRecord } from './generationRecord.js';
import type { NaturalizedDataset } from './WriterContext.js';

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? [...value] : value === undefined || value === null ? [] : [value]);

function isRecordItem(item: Record<string, unknown>): boolean {
  const concept = asArray(item.ConceptNameCodeSequence)[0] as Partial<Code> | undefined;
  return item.ValueType === 'TEXT' && concept?.CodeValue === CODES.comment.CodeValue && concept.CodingSchemeDesignator === CODES.comment.CodingSchemeDesignator;
}

function findRecordTexts(items: unknown[], found: string[]): void {
  for (const node of items) {
    if (node === null || typeof node !== 'object') continue;
    const item = node as Record<string, unknown>;
    if (isRecordItem(item) && typeof item.TextValue === 'string') {
      const text = item.TextValue;
      if (text.includes('"chexgen-generation-record"')) found.push(text);
    }
    findRecordTexts(asArray(item.ContentSequence), found);
  }
}

/**
 * Reads back the generation record that {@link buildStructuredReport} stored as JSON (a TEXT item, DCM 121106
 * Comment, anywhere in the content tree) from a naturalized SR, e.g. `readPart10(bytes)`. Returns null when the SR
 * holds none; throws ChexgenError INVALID_FIELD when it holds one that does not parse or validate.
 */
export function parseGenerationRecordFromSr(dataset: NaturalizedDataset): GenerationRecord | null {
  const texts: string[] = [];
  findRecordTexts(asArray(dataset.ContentSequence), texts);
  if (texts.length === 0) return null;
  const field = 'ContentSequence.TextValue';
  if (texts.length > 1) throw new ChexgenError('INVALID_FIELD', `${field}: the SR holds ${texts.length} generation records, expected 1`, { field, status: 400 });
  let json: unknown;
  try {
    json = JSON.parse(texts[0].trimEnd());
  } catch (cause) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the generation record is not valid JSON`, { field, status: 400, cause });
  }
  const parsed = generationRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.join('.');
    throw new ChexgenError('INVALID_FIELD', `${field}: the generation record is invalid at "${path}": ${issue?.message ?? 'unknown'}`, {
      field, status: 400, cause: parsed.error,
    });
  }
  return parsed.data;
}
