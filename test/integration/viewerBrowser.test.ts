import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/src/composition/openStore.js';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { createDicomWebRoute, type DicomWebRoute } from '../../server/src/http/dicomWebProxy.js';
import { DEFAULT_VIEWER_DIR, createViewerRouter } from '../../server/src/http/viewer/createViewerRouter.js';
import { inCi } from '../helpers/testEnvironment.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
/** Flags that work for Debian's chromium here (field notes): WebGL2 comes from SwiftShader. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Set to 1 to refresh the screenshot in the docs; otherwise it goes to the temp folder. */
const UPDATE_SCREENSHOT = process.env.CHEXGEN_UPDATE_SCREENSHOTS === '1';

function ensureViewer(): boolean {
  if (existsSync(join(DEFAULT_VIEWER_DIR, 'index.html'))) return true;
  spawnSync('bash', [join(REPO_ROOT, 'scripts', 'fetch-viewer.sh')], { stdio: 'ignore', timeout: 300_000 });
  return existsSync(join(DEFAULT_VIEWER_DIR, 'index.html'));
}
const missing = [
  existsSync(CHROMIUM) ? '' : `${CHROMIUM} (apt-get install chromium)`,
  ensureViewer() ? '' : 'the OHIF viewer (scripts/fetch-viewer.sh)',
].filter(Boolean);
const skip = missing.length > 0 && !inCi;
if (skip)
  console.warn(`viewer browser test skipped: missing ${missing.join(', ')}; set CI=true to make this a failure`);

describe.skipIf(skip)('OHIF in headless Chromium, served by our routers, against the embedded store', () => {
  let workDir: string;
  let route: DicomWebRoute;
  let server: Server;
  let origin: string;
  let browser: Browser;
  let study: { uid: string; description: string; patientName: string };

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'chexgen-viewer-e2e-'));
    const dataDir = join(workDir, 'data');
    await mkdir(dataDir);
    // One synthetic study in the embedded store, made by the real CLI (2 sampling steps keep it fast).
    const synth = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'chexgen.mjs'),
        'synthesize',
        '--text',
        'x',
        '--steps',
        '2',
        '--format',
        'dicom',
        '--store',
        '--out',
        join(workDir, 'out'),
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CHEXGEN_DATA_DIR: dataDir, CHEXGEN_PACS_URL: '' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (synth.status !== 0) throw new Error(`chexgen synthesize failed:\n${synth.stdout}\n${synth.stderr}`);

    const opened = await openStore(loadConfig({}, { pacsUrl: '', dataDir }));
    route = createDicomWebRoute(opened);
    const [found] = await opened.store.searchStudies({});
    study = {
      uid: String(found['0020000D']?.Value?.[0]),
      description: String(found['00081030']?.Value?.[0]),
      patientName: String((found['00100010']?.Value?.[0] as { Alphabetic?: string } | undefined)?.Alphabetic),
    };
    const app = express();
    app.use('/dicom-web', route.dicomWeb);
    app.use('/wado', route.wado);
    app.use(createViewerRouter());
    server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    route?.close();
    if (server) await new Promise<void>((done) => server.close(() => done()));
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('when the study list opens at /, then it queried our /dicom-web and shows the synthetic study row', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    const qido: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/dicom-web/studies') qido.push(request.url());
    });
    try {
      await page.goto(`${origin}/`);
      const row = page.locator('tr', { hasText: study.description });
      await row.first().waitFor({ state: 'visible', timeout: 60_000 });
      expect(await row.count()).toBe(1);
      const text = await row.first().innerText();
      for (const part of study.patientName.split('^')) expect(text).toContain(part); // OHIF shows "FAMILY, GIVEN"
      expect(qido.length).toBeGreaterThan(0);
      expect(qido.every((url) => url.startsWith(`${origin}/dicom-web/studies?`))).toBe(true);
      expect(pageErrors).toEqual([]);
      const banner = page.getByRole('button', { name: 'Confirm and hide' });
      if (await banner.isVisible()) await banner.click();
      const screenshot = UPDATE_SCREENSHOT
        ? join(REPO_ROOT, 'docs', 'images', 'viewer-study-list.png')
        : join(workDir, 'viewer-study-list.png');
      await page.screenshot({ path: screenshot });
    } finally {
      await page.close();
    }
  }, 120_000);
});
