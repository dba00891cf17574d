import type { z } from 'zod';
import { ChexgenError, type ErrorCode } from '../errors.js';
import { formatFieldPath } from './formatFieldPath.js';

/**
 * Validates `value` against `schema` and returns the typed result, or throws a {@link ChexgenError} whose message
 * lists every issue as `<what>: <field path>: <rule>` and whose `field` is the first offending path.
 *
 * @param what - names the document in messages, e.g. `models/cxr/model.json`.
 */
export function parseWithSchema<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  what: string,
  code: ErrorCode,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  const issues = result.error.issues.map((issue) => ({ field: formatFieldPath(issue.path), rule: issue.message }));
  const lines = issues.map((issue) => `${what}: ${issue.field}: ${issue.rule}`);
  throw new ChexgenError(code, lines.join('\n'), { field: issues[0]?.field, cause: result.error });
}
