import { ChexgenError } from '../errors.js';
import type { DicomStore } from '../pacs/index.js';
import type { InstanceSink } from './Outbox.js';

/** Adapts a DicomStore to the outbox: resolves only when every instance was stored. */
export function storeSink(store: DicomStore): InstanceSink {
  return {
    async storeAll(instances) {
      const result = await store.store(instances);
      if (result.failed.length > 0) {
        const reasons = result.failed.map((f) => `${f.sopInstanceUid ?? `#${f.index}`}: ${f.reason}`).join('; ');
        throw new ChexgenError('PACS_REJECTED', `the store refused ${result.failed.length} of ${instances.length} instance(s): ${reasons}`);
      }
    },
  };
}
