import { ChexgenError } from '../errors.js';

// PS3.5 9.1: digits and dots, components without leading zeros are not enforced (real PACS data breaks that rule),
// at most 64 characters. Dots may not lead, trail or repeat, so a UID is always a safe single path segment.
const UID_PATTERN = /^[0-9]+(\.[0-9]+)*$/;

/** True when `value` is a syntactically valid DICOM UID (digits and single inner dots, 1-64 characters). */
export function isDicomUid(value: string): boolean {
  return value.length <= 64 && UID_PATTERN.test(value);
}

/**
 * Returns `value` when it is a valid DICOM UID; otherwise throws INVALID_FIELD naming `field`. Store paths and
 * URLs are built from UIDs, so this check is what keeps them free of `..`, `/` and other escapes.
 */
export function assertDicomUid(value: string, field: string): string {
  if (!isDicomUid(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
    throw new ChexgenError(
      'INVALID_FIELD',
      `${field} must be a DICOM UID (digits and dots, <= 64 chars), got ${JSON.stringify(shown)}`,
      {
        field,
        status: 400,
      },
    );
  }
  return value;
}
