import { createUidGenerator } from './createUidGenerator.js';
import type { SoftwareIdentity, WriterContext } from './WriterContext.js';

/** The production {@link WriterContext}: random UUID-derived UIDs and the system clock. */
export function createWriterContext(software: SoftwareIdentity): WriterContext {
  return { uid: createUidGenerator(), now: () => new Date(), software };
}
