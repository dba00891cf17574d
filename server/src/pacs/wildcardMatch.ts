/** Counts the character comparisons of {@link wildcardMatch}, for tests that bound its work. */
export type StepCounter = { steps: number };

/**
 * DICOM wildcard matching (PS3.4 C.2.2.2.4): `*` matches any run of characters, `?` exactly one; case is compared as
 * given (callers lower-case both sides for case-insensitive matching).
 *
 * Why not a RegExp: `*` as `.*` backtracks, so a few stars against a long value take exponential time and freeze the
 * event loop. This splits the pattern at `*` and places each piece at its leftmost possible position, left to right,
 * which is correct for `*` (a later piece can only gain from an earlier, leftmost placement) and never revisits a
 * position: at most (text length + 1) x (pattern length + 1) comparisons, whatever the input.
 */
export function wildcardMatch(pattern: string, text: string, counter?: StepCounter): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern.length === text.length && matchesAt(pattern, text, 0, counter);
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (first.length + last.length > text.length) return false;
  if (!matchesAt(first, text, 0, counter)) return false;
  const end = text.length - last.length; // the last piece is anchored at the end
  if (!matchesAt(last, text, end, counter)) return false;
  let position = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i];
    let found = -1;
    for (let start = position; start + piece.length <= end; start++) {
      if (matchesAt(piece, text, start, counter)) {
        found = start;
        break;
      }
    }
    if (found === -1) return false;
    position = found + piece.length;
  }
  return true;
}

/** Whether `piece` (with `?` for any one character, no `*`) matches `text` at `start`. */
function matchesAt(piece: string, text: string, start: number, counter: StepCounter | undefined): boolean {
  for (let i = 0; i < piece.length; i++) {
    if (counter !== undefined) counter.steps++;
    const p = piece.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== text.charCodeAt(start + i)) return false;
  }
  return true;
}
