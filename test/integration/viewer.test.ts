import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/src/composition/openStore.js';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { createDicomWebRoute } from '../../server/src/http/dicomWebProxy.js';
import {
  DEFAULT_VIEWER_DIR,
  createViewerRouter,
  type ViewerRouterOptions,
} from '../../server/src/http/viewer/createViewerRouter.js';
import { inCi } from '../helpers/testEnvironment.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs scripts/fetch-viewer.sh when the viewer is missing (it needs the npm registry); true when it is there. */
function ensureViewer(): boolean {
  if (existsSync(join(DEFAULT_VIEWER_DIR, 'index.html'))) return true;
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'fetch-viewer.sh')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) console.warn(`scripts/fetch-viewer.sh failed:\n${run.stdout}\n${run.stderr}`);
  return existsSync(join(DEFAULT_VIEWER_DIR, 'index.html'));
}
const viewerReady = ensureViewer();
if (!viewerReady && !inCi)
  console.warn('real OHIF viewer tests skipped: the viewer could not be fetched; set CI=true to fail');

type Reply = { status: number; type: string; cache: string; text: string };
type WindowConfig = {
  extensions: string[];
  modes: string[];
  dataSources: { configuration: Record<string, unknown> }[];
};

async function serve(app: express.Express): Promise<{ server: Server; get(path: string): Promise<Reply> }> {
  const server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    async get(path) {
      const response = await fetch(`${origin}${path}`);
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        cache: response.headers.get('cache-control') ?? '',
        text: await response.text(),
      };
    },
  };
}

const stop = (server: Server | undefined): Promise<void> =>
  new Promise((done) => (server ? server.close(() => done()) : done()));

function evaluateConfig(script: string): WindowConfig {
  const window: { config?: WindowConfig } = {};
  runInNewContext(script, { window });
  if (window.config === undefined) throw new Error('no window.config');
  return window.config;
}

describe.skipIf(!viewerReady && !inCi)('viewer router with the real OHIF 3.13 build', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-viewer-'));
    const route = createDicomWebRoute(await openStore(loadConfig({}, { pacsUrl: '', dataDir })));
    // The mount order the server uses: DICOMweb (before any body parser), API, then the viewer last.
    const application = express();
    application.use('/dicom-web', route.dicomWeb);
    application.use('/wado', route.wado);
    application.get('/api/v1/ping', (_req, res) => res.json({ ok: true }));
    application.use(createViewerRouter());
    app = await serve(application);
  });
  afterAll(async () => {
    await stop(app?.server);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when / is opened, then OHIF index.html comes back, not cached', async () => {
    const reply = await app.get('/');
    expect(reply.status).toBe(200);
    expect(reply.type).toContain('text/html');
    expect(reply.text).toContain('<script rel="preload" as="script" src="/app-config.js">');
    expect(reply.text).toMatch(/src="\/app\.bundle\.[0-9a-f]+\.js"/);
    expect(reply.cache).toBe('no-cache');
  });

  it('when /app-config.js is loaded, then it is ours: one data source on /dicom-web, no plugins by default', async () => {
    const reply = await app.get('/app-config.js');
    expect(reply.status).toBe(200);
    expect(reply.type).toContain('javascript');
    const config = evaluateConfig(reply.text);
    expect(config.dataSources).toHaveLength(1);
    expect(config.dataSources[0].configuration).toMatchObject({
      qidoRoot: '/dicom-web',
      wadoRoot: '/dicom-web',
      wadoUriRoot: '/wado',
    });
    expect(config.extensions).toEqual([]);
    expect(config.modes).toEqual([]);
    const shipped = await readFile(join(DEFAULT_VIEWER_DIR, 'app-config.js'), 'utf8');
    expect(shipped).toContain('cloudfront.net'); // the file we replace really is OHIF's demo config
    expect(reply.text).not.toContain('cloudfront.net');
  });

  it('when the assets index.html names are fetched, then they are served from the build', async () => {
    const index = (await app.get('/')).text;
    const bundle = /src="(\/app\.bundle\.[0-9a-f]+\.js)"/.exec(index)?.[1] ?? '';
    const script = await app.get(bundle);
    expect(script.status).toBe(200);
    expect(script.type).toContain('javascript');
    expect(script.text.length).toBeGreaterThan(1_000_000);
    const icon = await app.get('/assets/favicon-32x32.png');
    expect(icon.status).toBe(200);
    expect(icon.type).toBe('image/png');
  });

  it.each(['/viewer?StudyInstanceUIDs=1.2.3', '/local', '/segmentation?StudyInstanceUIDs=1.2.3&SeriesInstanceUID=4'])(
    'when the OHIF route %s is opened directly, then index.html comes back (SPA fallback)',
    async (path) => {
      const reply = await app.get(path);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('/app-config.js');
    },
  );

  it("when a missing file or another router's path is asked, then it is not answered with index.html", async () => {
    expect((await app.get('/missing.bundle.js')).status).toBe(404);
    expect((await app.get('/api/v1/unknown')).text).not.toContain('/app-config.js');
    const dicomWeb = await app.get('/dicom-web/studies');
    expect(dicomWeb.status).toBe(200);
    expect(dicomWeb.type).toContain('application/dicom+json');
    expect(JSON.parse(dicomWeb.text)).toEqual([]);
    expect((await app.get('/api/v1/ping')).text).toBe('{"ok":true}');
  });
});

describe('viewer router: plugins and a missing viewer (small stand-in build)', () => {
  let root: string;
  let viewerDir: string;
  let pluginsDir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chexgen-viewer-stub-'));
    viewerDir = join(root, 'dist');
    pluginsDir = join(root, 'plugins');
    await mkdir(viewerDir);
    await mkdir(pluginsDir);
    await writeFile(join(viewerDir, 'index.html'), '<!doctype html><script src="/app-config.js"></script>stand-in');
    await writeFile(join(viewerDir, 'app-config.js'), 'window.config = { shipped: true };');
    await writeFile(join(pluginsDir, 'chexgen-extension.mjs'), 'export default { id: "chexgen" };');
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  const app = (options: ViewerRouterOptions) => serve(express().use(createViewerRouter(options)));

  it('when plugin bundles are configured, then only those that exist are listed, and a later build shows up without a restart', async () => {
    const { server, get } = await app({
      viewerDir,
      pluginsDir,
      extensions: ['chexgen-extension.mjs'],
      modes: ['chexgen-mode.mjs'],
    });
    try {
      let config = evaluateConfig((await get('/app-config.js')).text);
      expect(config.extensions).toEqual(['/plugins/chexgen-extension.mjs']);
      expect(config.modes).toEqual([]);
      await writeFile(join(pluginsDir, 'chexgen-mode.mjs'), 'export default { id: "chexgen-mode" };');
      config = evaluateConfig((await get('/app-config.js')).text);
      expect(config.modes).toEqual(['/plugins/chexgen-mode.mjs']);
    } finally {
      await stop(server);
    }
  });

  it('when a plugin bundle is fetched, then it is served as JavaScript; a missing one is a 404, not index.html', async () => {
    const { server, get } = await app({ viewerDir, pluginsDir });
    try {
      const bundle = await get('/plugins/chexgen-extension.mjs');
      expect(bundle.status).toBe(200);
      expect(bundle.type).toContain('javascript');
      expect(bundle.text).toContain('export default');
      const missing = await get('/plugins/nothing.mjs');
      expect(missing.status).toBe(404);
      expect(missing.text).not.toContain('stand-in');
      expect((await get('/plugins/../dist/index.html')).text).not.toContain('chexgen-extension');
    } finally {
      await stop(server);
    }
  });

  it('when the plugins folder does not exist, then /plugins/ answers 404 and the config lists nothing', async () => {
    const { server, get } = await app({
      viewerDir,
      pluginsDir: join(root, 'absent'),
      extensions: ['chexgen-extension.mjs'],
    });
    try {
      expect((await get('/plugins/chexgen-extension.mjs')).status).toBe(404);
      expect(evaluateConfig((await get('/app-config.js')).text).extensions).toEqual([]);
    } finally {
      await stop(server);
    }
  });

  it('when a plugin path leaves the plugins folder, then the router refuses to start', () => {
    expect(() => createViewerRouter({ viewerDir, pluginsDir, extensions: ['../secret.mjs'] })).toThrow(RangeError);
    expect(() => createViewerRouter({ viewerDir, pluginsDir, modes: ['/etc/passwd'] })).toThrow(RangeError);
  });

  it('when the viewer folder is missing, then pages get a 503 saying to run scripts/fetch-viewer.sh', async () => {
    const { server, get } = await app({ viewerDir: join(root, 'not-fetched'), pluginsDir });
    try {
      for (const path of ['/', '/viewer?StudyInstanceUIDs=1.2.3', '/app.bundle.0123.js']) {
        const reply = await get(path);
        expect(reply.status).toBe(503);
        expect(reply.type).toContain('text/html');
        expect(reply.text).toContain('scripts/fetch-viewer.sh');
      }
      expect((await get('/app-config.js')).status).toBe(200);
      expect((await get('/api/v1/anything')).status).toBe(404);
    } finally {
      await stop(server);
    }
  });
});
