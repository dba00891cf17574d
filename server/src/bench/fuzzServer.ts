/**
 * `npm run fuzz -- [--requests 5000] [--concurrency 16] [--seed 1] [--url http://127.0.0.1:8080] [--token T] [--json]`
 *
 * Sends malformed and hostile requests to the API (wrong types, huge numbers, long strings, prototype keys, deep
 * nesting, bad base64 and PNGs, bad run lengths, broken JSON and charsets, oversized bodies, path tricks, odd methods)
 * and to DICOMweb (method overrides and the PACS's peer API, wildcard patterns, DICOM whose header lies about its
 * size, SEG size lies, mask bombs, bursts of parallel cohorts: the classes of issue 13), and checks that none gets a
 * 5xx, /healthz keeps answering while they run, the queue never passes its limit, the server stays up, /readyz says
 * ready and a normal job still succeeds. Without `--url` it starts its own server (the configured model, a temporary
 * data dir, the embedded store at /dicom-web, a queue of 100). Jobs and cohorts a request happens to create are
 * canceled at once. Exits 1 on any 5xx, crash, overfilled queue or failed final check.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/loadConfig.js';
import { startChexgenServer } from '../composition/startChexgenServer.js';
import { encodeMultipartRelated } from '../pacs/multipartRelated.js';
import { hostileCases, type FuzzCase, type FuzzTargets } from './hostileCases.js';
import { oversizedSeg, wildcardDecoy } from './hostileDicom.js';

/** The queue limit of the server the run starts itself: small enough for bursts of cohorts to reach it. */
const OWN_MAX_QUEUED_JOBS = 100;

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
  let server: Awaited<ReturnType<typeof startChexgenServer>> | undefined;
  let dataDir: string | undefined;
  let url = opts.url;
  if (url === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-fuzz-'));
    const config = loadConfig(process.env, { dataDir, host: '127.0.0.1', port: '0', apiToken: '', maxQueuedJobs: String(OWN_MAX_QUEUED_JOBS) });
    // API and /dicom-web (the embedded store), as `chexgen serve` mounts them; no viewer
    server = await startChexgenServer(config, pino({ level: process.env.CHEXGEN_LOG_LEVEL ?? 'fatal' }), { viewer: false });
    url = server.url;
  }
  const base = new URL(url);
  const targets = await prepareTargets(base, opts.token);
  const cases = hostileCases(opts.seed, opts.requests, targets);
  const byStatus = new Map<string, number>();
  const byGroup = new Map<string, Record<string, number>>();
  const serverErrors: { name: string; status: number; body: string }[] = [];
  const networkErrors: { name: string; error: string }[] = [];
  let created = 0;
  let next = 0;
  const count = (c: FuzzCase, status: string): void => {
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (c.group === undefined) return;
    const group = byGroup.get(c.group) ?? {};
    group[status] = (group[status] ?? 0) + 1;
    byGroup.set(c.group, group);
  };
  const handle = async (c: FuzzCase, reply: Reply): Promise<void> => {
    if ('notSent' in reply) return count(c, 'not sent');
    if ('error' in reply) {
      networkErrors.push({ name: c.name, error: reply.error });
      return count(c, 'network error');
    }
    // A full queue answers 503 UNAVAILABLE by design (docs/api.md): a refusal the bursts of cohorts aim for, not a fault.
    const queueFull = reply.status === 503 && reply.body.includes('"code":"UNAVAILABLE"') && reply.body.includes('the queue is full');
    count(c, queueFull ? '503 queue full' : String(reply.status));
    if (reply.status >= 500 && !queueFull) serverErrors.push({ name: c.name, status: reply.status, body: reply.body });
    if (reply.status === 202 && c.method === 'POST') {
      created++;
      const id = /"id":"([0-9a-f-]{36})"/.exec(reply.body)?.[1];
      if (id !== undefined) await send(base, { name: 'cancel', method: 'DELETE', path: `${c.path}/${id}` }, opts.token);
    }
  };
  const monitor = watchServer(base, opts.token);
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++];
      const copies = Array.from({ length: c.repeat ?? 1 }, () => send(base, c, opts.token)); // sent at once
      for (const reply of await Promise.all(copies)) await handle(c, reply);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  const watched = await monitor.stop();
  const queueHeld = server === undefined || watched.maxQueued <= OWN_MAX_QUEUED_JOBS;

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

  const healthy = 'status' in health && health.status === 200 && 'status' in ready && ready.status === 200 && finalJob === 'succeeded' && queueHeld;
  const describe = (r: Reply): string => ('status' in r ? String(r.status) : 'error' in r ? r.error : r.notSent);
  const report = {
    requests: cases.length, sent: cases.reduce((sum, c) => sum + (c.repeat ?? 1), 0), seconds: Math.round(seconds * 10) / 10, byStatus: Object.fromEntries([...byStatus].sort()), serverErrors: serverErrors.length,
    networkErrors: networkErrors.length, jobsCreatedAndCanceled: created, healthyAfter: healthy, finalJob,
    byGroup: Object.fromEntries([...byGroup].sort()), healthzMaxMs: watched.healthzMaxMs, healthzFailures: watched.healthzFailures,
    maxQueuedSeen: watched.maxQueued, queueLimit: server === undefined ? null : OWN_MAX_QUEUED_JOBS,
    firstServerErrors: serverErrors.slice(0, 5), firstNetworkErrors: networkErrors.slice(0, 5),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`fuzz: ${report.requests} hostile cases (${report.sent} requests) in ${report.seconds} s\n`
      + `  by status: ${Object.entries(report.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ')}\n`
      + `  5xx: ${report.serverErrors}  network errors: ${report.networkErrors}  jobs created (then canceled): ${created}\n`
      + `  by class: ${Object.entries(report.byGroup).map(([g, s]) => `${g} (${Object.entries(s).map(([k, v]) => `${k}: ${v}`).join(', ')})`).join('; ')}\n`
      + `  during: /healthz answered within ${report.healthzMaxMs} ms at worst (${report.healthzFailures} failures); queued jobs at most ${report.maxQueuedSeen}${report.queueLimit === null ? '' : ` of ${report.queueLimit}`}\n`
      + `  after: healthz ${describe(health)}, readyz ${describe(ready)}, a normal job ${finalJob}\n`);
    for (const e of report.firstServerErrors) process.stdout.write(`  5xx ${e.status} for ${e.name}: ${e.body.slice(0, 200)}\n`);
    for (const e of report.firstNetworkErrors) process.stdout.write(`  network error for ${e.name}: ${e.error}\n`);
  }
  return serverErrors.length === 0 && healthy ? 0 : 1;
}

/**
 * Puts what some cases aim at into the server's store: a patient with a long name (QIDO wildcards have work) and a
 * SEG honest about its size but past the mask pixel limit (masks naming it must be refused). Skipped quietly when
 * the server takes no STOW (a read-only proxy): those cases then meet a 404 or 405 instead.
 */
async function prepareTargets(base: URL, token: string | undefined): Promise<FuzzTargets> {
  const seg = oversizedSeg();
  const { body, contentType } = encodeMultipartRelated([wildcardDecoy().bytes, seg.bytes], 'application/dicom');
  const reply = await send(base, { name: 'prepare', method: 'POST', path: '/dicom-web/studies', headers: { 'content-type': contentType }, body }, token);
  return 'status' in reply && reply.status === 200 ? { oversizedSegStudy: seg.studyUid } : {};
}

/** Asks /healthz and /metrics every 200 ms while the cases run: the slowest /healthz answer and the most queued jobs. */
function watchServer(base: URL, token: string | undefined) {
  let stopped = false;
  let healthzMaxMs = 0;
  let healthzFailures = 0;
  let maxQueued = 0;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const health = await send(base, { name: 'watch healthz', method: 'GET', path: '/healthz' }, undefined);
      healthzMaxMs = Math.max(healthzMaxMs, Math.round(performance.now() - started));
      if (!('status' in health) || health.status !== 200) healthzFailures++;
      const metrics = await send(base, { name: 'watch metrics', method: 'GET', path: '/metrics' }, token);
      const queued = 'body' in metrics ? Number(/"queued":(\d+)/.exec(metrics.body)?.[1] ?? 0) : 0;
      maxQueued = Math.max(maxQueued, queued);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { healthzMaxMs, healthzFailures, maxQueued };
    },
  };
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
