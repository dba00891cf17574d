/**
 * Writes a validation path the way the docs and error messages name fields: `graphs.denoiser.inputs[0].dtype`.
 * Keys that are not plain identifiers are quoted (`files["a b"]`) so the path stays unambiguous.
 * The empty path (the document itself) is `(root)`.
 */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'symbol') out += `[${String(part)}]`;
    else if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(root)' : out;
}
