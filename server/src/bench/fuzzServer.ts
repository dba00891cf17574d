/**
 * `npm run fuzz -- [--requests 5000] [--concurrency 16] [--seed 1] [--url http://127.0.0.1:8080] [--token T] [--json]`
 *
 * Sends malformed and hostile requests to the API (wrong types, huge numbers, long strings, prototype keys, deep
 * nesting, bad base64 and PNGs, bad run lengths, broken JSON and charsets, oversized bodies, path tricks, odd methods)
 * and checks that none gets a 5xx, the server stays up, /readyz says ready and a normal job still succeeds. Without
 * `--url` it starts its own server (the configured model, a temporary data dir). Jobs a request happens to create are
 * canceled at once. Exits 1 on any 5xx, crash or failed final check.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/loadConfig.js';
import { startServer } from '../http/startServer.js';
import { hostileCases, type FuzzCase } from './hostileCases.js';

type Options = { requests: number; concurrency: number; seed: number; url?: string; token?: string; json: boolean };

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

type Reply = { status: number; body: string } | { error: string } | { notSent: string };

/** Sends one request as is (raw path, raw bytes: no URL normalisation, unlike fetch). */
function send(base: URL, c: FuzzCase, token: string | undefined): Promise<Reply> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...(c.headers ?? {}) };
    if (token !== undefined && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
    if (c.body !== undefined) headers['content-length'] = c.body.length;
    let req;
    try {
      req = httpRequest({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) }));
        res.on('error', (error) => resolve({ error: error.message }));
      });
    } catch (error) {
      // Node's client refuses some requests outright (e.g. a space in the path): nothing reached the server
      resolve({ notSent: error instanceof Error ? error.message : String(error) });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ error: error.message }));
    if (c.body !== undefined) req.end(c.body);
    else req.end();
  });
}

async function run(opts: Options): Promise<number> {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let dataDir: string | undefined;
  let url = opts.url;
  if (url === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-fuzz-'));
    const config = loadConfig(process.env, { dataDir, host: '127.0.0.1', port: '0', apiToken: '' });
    server = await startServer(config, pino({ level: process.env.CHEXGEN_LOG_LEVEL ?? 'fatal' }));
    url = server.url;
  }
  const base = new URL(url);
  const cases = hostileCases(opts.seed, opts.requests);
  const byStatus = new Map<string, number>();
  const serverErrors: { name: string; status: number; body: string }[] = [];
  const networkErrors: { name: string; error: string }[] = [];
  let created = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++];
      const reply = await send(base, c, opts.token);
      if ('notSent' in reply) {
        byStatus.set('not sent', (byStatus.get('not sent') ?? 0) + 1);
        continue;
      }
      if ('error' in reply) {
        networkErrors.push({ name: c.name, error: reply.error });
        byStatus.set('network error', (byStatus.get('network error') ?? 0) + 1);
        continue;
      }
      byStatus.set(String(reply.status), (byStatus.get(String(reply.status)) ?? 0) + 1);
      if (reply.status >= 500) serverErrors.push({ name: c.name, status: reply.status, body: reply.body });
      if (reply.status === 202 && c.method === 'POST') {
        created++;
        const id = /"id":"([0-9a-f-]{36})"/.exec(reply.body)?.[1];
        if (id !== undefined) await send(base, { name: 'cancel', method: 'DELETE', path: `${c.path}/${id}` }, opts.token);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;

  // Afterwards: alive, ready, and a normal job still goes through.
  const health = await send(base, { name: 'healthz', method: 'GET', path: '/healthz' }, undefined);
  const ready = await send(base, { name: 'readyz', method: 'GET', path: '/readyz' }, undefined);
  const body = Buffer.from(JSON.stringify({ text: 'Cardiomegaly.', steps: 1, seed: 1 }));
  const submit = await send(base, { name: 'final job', method: 'POST', path: '/api/v1/syntheses', headers: { 'content-type': 'application/json' }, body }, opts.token);
  let finalJob = 'not submitted';
  const id = 'body' in submit ? /"id":"([0-9a-f-]{36})"/.exec(submit.body)?.[1] : undefined;
  for (let i = 0; id !== undefined && i < 600; i++) {
    const got = await send(base, { name: 'poll', method: 'GET', path: `/api/v1/syntheses/${id}` }, opts.token);
    finalJob = 'body' in got ? (/"status":"(\w+)"/.exec(got.body)?.[1] ?? 'unknown') : 'error' in got ? got.error : got.notSent;
    if (['succeeded', 'failed', 'canceled'].includes(finalJob)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });

  const healthy = 'status' in health && health.status === 200 && 'status' in ready && ready.status === 200 && finalJob === 'succeeded';
  const describe = (r: Reply): string => ('status' in r ? String(r.status) : 'error' in r ? r.error : r.notSent);
  const report = {
    requests: cases.length, seconds: Math.round(seconds * 10) / 10, byStatus: Object.fromEntries([...byStatus].sort()), serverErrors: serverErrors.length,
    networkErrors: networkErrors.length, jobsCreatedAndCanceled: created, healthyAfter: healthy, finalJob,
    firstServerErrors: serverErrors.slice(0, 5), firstNetworkErrors: networkErrors.slice(0, 5),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`fuzz: ${report.requests} hostile requests in ${report.seconds} s\n`
      + `  by status: ${Object.entries(report.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ')}\n`
      + `  5xx: ${report.serverErrors}  network errors: ${report.networkErrors}  jobs created (then canceled): ${created}\n`
      + `  after: healthz ${describe(health)}, readyz ${describe(ready)}, a normal job ${finalJob}\n`);
    for (const e of report.firstServerErrors) process.stdout.write(`  5xx ${e.status} for ${e.name}: ${e.body.slice(0, 200)}\n`);
    for (const e of report.firstNetworkErrors) process.stdout.write(`  network error for ${e.name}: ${e.error}\n`);
  }
  return serverErrors.length === 0 && healthy ? 0 : 1;
}

const program = new Command('fuzz')
  .option('--requests <n>', 'hostile requests to send', intArg('--requests', 1, 1_000_000), 5000)
  .option('--concurrency <n>', 'requests in flight', intArg('--concurrency', 1, 256), 16)
  .option('--seed <n>', 'seed of the case generator (the same seed sends the same requests)', intArg('--seed', 0, 2 ** 31), 1)
  .option('--url <url>', 'a running server (default: start one here with the configured model)')
  .option('--token <token>', 'API token of that server')
  .option('--json', 'print one JSON line', false)
  .action(async (opts: Options) => {
    process.exitCode = await run(opts);
  });
await program.parseAsync(process.argv);
