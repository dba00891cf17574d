import type { Config } from '../config/loadConfig.js';
import { DicomWebClient, EmbeddedStore, type DicomWebAuth, type PacsLog } from '../pacs/index.js';
import { dataPaths } from './dataPaths.js';

/** The settings that choose and open the store. */
export type StoreSettings = Pick<Config, 'pacsUrl' | 'pacsUser' | 'pacsPassword' | 'pacsToken' | 'dataDir' | 'maxPixelBytes' | 'storeQuotaBytes' | 'diskReserveBytes'>;

/**
 * The configured store, chosen once: the PACS at `pacsUrl` (a DICOMweb client, plus its root and credentials for the
 * `/dicom-web` proxy) or the embedded store under `<dataDir>/store` (the one instance the jobs, the SEG reader and
 * `/dicom-web` share). `description` names it without credentials, for logs and /readyz.
 */
export type OpenedStore =
  | { kind: 'pacs'; store: DicomWebClient; description: string; url: string; auth?: DicomWebAuth }
  | { kind: 'embedded'; store: EmbeddedStore; description: string };

/** PACS credentials from config: a bearer token, else HTTP Basic user and password, else none (or those in the URL). */
function pacsAuth(settings: StoreSettings): DicomWebAuth | undefined {
  if (settings.pacsToken !== '') return { kind: 'bearer', token: settings.pacsToken };
  if (settings.pacsUser !== '') return { kind: 'basic', username: settings.pacsUser, password: settings.pacsPassword };
  return undefined;
}

/** Opens the store `settings` configure: the PACS when CHEXGEN_PACS_URL is set, else the embedded store. */
export async function openStore(settings: StoreSettings, log?: PacsLog): Promise<OpenedStore> {
  if (settings.pacsUrl !== '') {
    const auth = pacsAuth(settings);
    const shown = new URL(settings.pacsUrl);
    shown.username = '';
    shown.password = '';
    return {
      kind: 'pacs',
      store: new DicomWebClient({ baseUrl: settings.pacsUrl, auth, log }),
      description: `PACS ${shown.origin}${shown.pathname.replace(/\/+$/, '')}`,
      url: settings.pacsUrl,
      ...(auth !== undefined ? { auth } : {}),
    };
  }
  const dir = dataPaths(settings.dataDir).store;
  const store = await EmbeddedStore.open({ dataDir: dir, log, maxPixelBytes: settings.maxPixelBytes, quotaBytes: settings.storeQuotaBytes, reserveBytes: settings.diskReserveBytes });
  return { kind: 'embedded', store, description: `embedded store ${dir}` };
}
