/**
 * Makes free text safe for a single-valued DICOM string VR: backslashes (the value separator) become `/`, control
 * characters other than the ones the VR allows become spaces, and the result is cut to `maxChars` characters
 * (LO 64, SH 16, ST 1024, LT 10240; UT is unlimited, pass Infinity). dcmjs would otherwise truncate with a warning.
 */
export function dicomString(text: string, maxChars: number, options: { multiline?: boolean } = {}): string {
  const allowed = options.multiline === true ? /[\x00-\x08\x0b\x0e-\x1f\x7f]/g : /[\x00-\x1f\x7f]/g;
  const cleaned = text.replace(/\\/g, '/').replace(allowed, ' ');
  return Number.isFinite(maxChars) ? [...cleaned].slice(0, maxChars).join('') : cleaned;
}
