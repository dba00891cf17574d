import { randomUUID } from 'node:crypto';

/**
 * The production UID source: `2.25.<decimal>` UIDs derived from a random (version 4) UUID, as PS3.5 B.2 allows
 * (at most 44 characters). The only randomness in server/src/dicom; writers receive it through
 * {@link WriterContext.uid}.
 */
export function createUidGenerator(): () => string {
  return () => uuidToUid(randomUUID());
}

/** `2.25.` followed by the UUID's 128 bits as an unsigned decimal integer (no leading zeros). */
export function uuidToUid(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`uuidToUid: not a UUID: "${uuid}"`);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
