/** A DICOM DA / TM pair for an instant, in UTC (writers also send TimezoneOffsetFromUTC `+0000`). */
export type DicomDateTime = { date: string; time: string };

/** `20260131` / `142305` for 2026-01-31T14:23:05Z (seconds precision; the time zone is UTC). */
export function dicomDateTime(instant: Date): DicomDateTime {
  if (Number.isNaN(instant.getTime())) throw new Error('dicomDateTime: invalid date');
  const iso = instant.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** The TimezoneOffsetFromUTC that goes with {@link dicomDateTime}. */
export const UTC_OFFSET = '+0000';
