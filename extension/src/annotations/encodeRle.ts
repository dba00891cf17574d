/**
 * Run-length code of the pixels of `data` equal to `value`, row-major: alternating runs of "outside" and "inside",
 * starting with an outside run that may be 0 long (docs/api.md, masks[].rle). The runs add up to `data.length`.
 */
export function encodeRle(data: ArrayLike<number>, value: number): { rle: number[]; inside: number } {
  const rle: number[] = [];
  let current = false;
  let run = 0;
  let inside = 0;
  for (let i = 0; i < data.length; i++) {
    const on = data[i] === value;
    if (on) inside++;
    if (on === current) {
      run++;
    } else {
      rle.push(run);
      current = on;
      run = 1;
    }
  }
  rle.push(run);
  return { rle, inside };
}
