import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { startChexgenServer, type ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { DEFAULT_PLUGINS_DIR, DEFAULT_VIEWER_DIR } from '../../server/src/http/viewer/createViewerRouter.js';
import { OrthancServer, orthancAvailability } from '../helpers/orthanc.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
/** Flags that work for Debian's chromium here (field notes): WebGL2 comes from SwiftShader. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
/** The CC0 NIH ChestX-ray14 fixture made by test/fixtures/e2e/makeSourceStudy.mjs. */
export const SOURCE_DICOM = join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'nih-00000129_000.dcm');
export const SOURCE_STUDY_UID = '2.25.129000000000000000000000000000000001';
const PLUGINS = ['chexgen-extension.mjs', 'chexgen-mode.mjs'];

/** What the e2e needs and is missing here (empty = all there). Builds the extension when its bundles are missing. */
export function missingPieces(withOrthanc: boolean): string[] {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(join(DEFAULT_VIEWER_DIR, 'index.html'))) missing.push('the OHIF viewer (scripts/fetch-viewer.sh)');
  if (withOrthanc && !orthancAvailability().ok) missing.push(orthancAvailability().reason);
  if (!PLUGINS.every((p) => existsSync(join(DEFAULT_PLUGINS_DIR, p)))) {
    spawnSync('npm', ['run', 'build:extension'], { cwd: REPO_ROOT, stdio: 'ignore', timeout: 120_000 });
    if (!PLUGINS.every((p) => existsSync(join(DEFAULT_PLUGINS_DIR, p)))) missing.push('the extension bundles (npm run build:extension)');
  }
  return missing;
}

export type E2eStack = { origin: string; server: ServerHandle; orthanc?: OrthancServer; close(): Promise<void> };

/**
 * The real chexgen server as `chexgen serve` builds it (API + DICOMweb + the OHIF viewer listing our plugins) with
 * the built-in model, on port 0, storing into a real Orthanc (`pacs: 'orthanc'`) or the embedded store, seeded with
 * the NIH fixture study.
 */
export async function startE2eStack(pacs: 'orthanc' | 'embedded', options: { apiToken?: string } = {}): Promise<E2eStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-e2e-'));
  const orthanc = pacs === 'orthanc' ? await OrthancServer.create() : undefined;
  try {
    const config = loadConfig({}, { dataDir, host: '127.0.0.1', port: '0', threads: '2', pacsUrl: orthanc?.dicomWebUrl ?? '', apiToken: options.apiToken ?? '' });
    const logger = pino({ level: process.env.CHEXGEN_TEST_LOG ?? 'silent' });
    // exactly what `chexgen serve` composes (API, /dicom-web, the viewer listing our plugins), with quicker polling
    const server = await startChexgenServer(config, logger, { pollIntervalMs: 200, maxRetryDelayMs: 500 });
    const stored = await server.store.store([new Uint8Array(await readFile(SOURCE_DICOM))]);
    if (stored.failed.length > 0) throw new Error(`cannot store the fixture: ${JSON.stringify(stored.failed)}`);
    return {
      origin: server.url,
      server,
      orthanc,
      close: async () => {
        await server.close();
        await orthanc?.dispose();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await orthanc?.dispose();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
