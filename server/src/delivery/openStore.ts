import { join } from 'node:path';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { DicomWebClient, EmbeddedStore, type DicomStore, type PacsLog } from '../pacs/index.js';
import type { InstanceSink } from './Outbox.js';

/** The configured store: the PACS at `pacsUrl` over DICOMweb, or the embedded store under `dataDir/store`. */
export async function openDicomStore(config: Config, log?: PacsLog): Promise<{ store: DicomStore; description: string }> {
  if (config.pacsUrl !== '') {
    const auth = config.pacsToken !== ''
      ? { kind: 'bearer' as const, token: config.pacsToken }
      : config.pacsUser !== '' ? { kind: 'basic' as const, username: config.pacsUser, password: config.pacsPassword } : undefined;
    const url = new URL(config.pacsUrl);
    url.username = '';
    url.password = '';
    return { store: new DicomWebClient({ baseUrl: config.pacsUrl, auth, log }), description: `PACS ${url.toString()}` };
  }
  const dir = join(config.dataDir, 'store');
  return { store: await EmbeddedStore.open({ dataDir: dir, log, maxPixelBytes: config.maxPixelBytes, quotaBytes: config.storeQuotaBytes, reserveBytes: config.diskReserveBytes }), description: `embedded store ${dir}` };
}

/** Where the outbox keeps undelivered objects. */
export function outboxDir(config: Config): string {
  return join(config.dataDir, 'outbox');
}

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
