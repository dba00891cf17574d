import { ChexgenError } from '../errors.js';
import { formatFieldPath } from './formatFieldPath.js';

/** What this needs of a zod error: zod 3's ZodError and zod 4's (the contract's, zod/v4) alike. */
export type ZodErrorLike = Error & { issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[] };

/**
 * An INVALID_FIELD ChexgenError (400) from zod issues: `field` is the first offending path (for an unknown key,
 * the key itself) and the message lists every issue as `<field>: <rule>`.
 */
export function zodIssuesToError(error: ZodErrorLike): ChexgenError {
  const issues = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      return issue.keys.map((key) => ({ field: formatFieldPath([...issue.path, key]), rule: 'unknown field' }));
    }
    return [{ field: formatFieldPath(issue.path), rule: issue.message }];
  });
  const first = issues[0] ?? { field: '(root)', rule: 'invalid' };
  const shown = issues.slice(0, 10).map((i) => `${i.field}: ${i.rule}`);
  if (issues.length > 10) shown.push(`... and ${issues.length - 10} more`);
  return new ChexgenError('INVALID_FIELD', shown.join('; '), { field: first.field, status: 400, cause: error });
}
