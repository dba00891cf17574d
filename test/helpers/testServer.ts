import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../server/src/config/loadConfig.js';
import { startChexgenServer, type ServerHandle, type ServerOptions } from '../../server/src/composition/startChexgenServer.js';
import { makeTinyModel } from './tinyModel.js';

let tiny: Promise<{ modelsDir: string; name: string }> | undefined;

/** The tiny random-weight model, made once per test file. */
export function tinyModel(): Promise<{ modelsDir: string; name: string }> {
  tiny ??= makeTinyModel();
  return tiny;
}

/** A new empty data dir (job database, embedded store, outbox, previews). */
export function newDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'chexgen-server-'));
}

/** The config of a test server: tiny model, loopback, port 0, one thread; `overrides` as config keys. */
export async function testConfig(dataDir: string, overrides: Partial<Record<keyof Config, string>> = {}): Promise<Config> {
  const model = await tinyModel();
  return loadConfig({}, { modelsDir: model.modelsDir, model: model.name, threads: '1', dataDir, host: '127.0.0.1', port: '0', ...overrides });
}

/**
 * Starts the real server as the composition root builds it (express on port 0, SQLite in `dataDir`, the tiny model)
 * with silent logs: the API, probes and metrics; /dicom-web and the viewer only when `options` asks for them.
 */
export async function startTestServer(dataDir: string, overrides: Partial<Record<keyof Config, string>> = {}, options: ServerOptions = {}): Promise<ServerHandle> {
  return startChexgenServer(await testConfig(dataDir, overrides), pino({ level: process.env.CHEXGEN_TEST_LOG ?? 'silent' }), {
    pollIntervalMs: 200, maxRetryDelayMs: 200, dicomWeb: false, viewer: false, ...options,
  });
}

/** A small JSON client for the API of `server`. */
export function apiClient(baseUrl: string, token?: string) {
  const headers = (extra: Record<string, string> = {}) => ({ ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...extra });
  return {
    async post(path: string, body: unknown, extra: Record<string, string> = {}) {
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: headers({ 'content-type': 'application/json', ...extra }), body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    },
    async get(path: string) {
      const res = await fetch(`${baseUrl}${path}`, { headers: headers() });
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, headers: res.headers, body: (type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer())) as any };
    },
    async delete(path: string) {
      const res = await fetch(`${baseUrl}${path}`, { method: 'DELETE', headers: headers() });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    },
  };
}

/** Polls GET /api/v1/syntheses/{id} until `until(job)` holds (default: a final status). */
export async function waitForJob(client: ReturnType<typeof apiClient>, id: string, until: (job: any) => boolean = (j) => ['succeeded', 'failed', 'canceled'].includes(j.status), timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await client.get(`/api/v1/syntheses/${id}`);
    if (until(body)) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(body).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a server-sent event stream to its end: [{ event, data }]. */
export async function readEvents(url: string, token?: string): Promise<{ event: string; data: any }[]> {
  const res = await fetch(url, { headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200 || res.body === null) throw new Error(`SSE ${url}: ${res.status}`);
  const text = await res.text();
  return text.split('\n\n').filter((block) => block.startsWith('event:')).map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
    const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
    return { event, data };
  });
}
