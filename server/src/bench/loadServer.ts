/**
 * `npm run load -- [--jobs 200] [--clients 20] [--steps 1] [--url http://127.0.0.1:8080] [--token T] [--workers 1,2] [--json]`
 *
 * A bounded load run on loopback: `clients` concurrent clients submit `jobs` synthesis jobs in all (small step
 * counts) and poll each to its end. Without `--url` it starts its own server (the configured model, a temporary data
 * dir, the embedded store) in this process. Prints submitted / completed / failed / lost, p50/p95 API latency and peak
 * RSS, and exits 1 when a job was lost (accepted but never finished) or failed.
 *
 * With `--workers N` (or a list, `--workers 1,2`) it measures the scale-out setup instead, once per N: a throwaway
 * PostgreSQL cluster (Debian's postgresql), a throwaway Orthanc (or `--pacs <DICOMweb URL>`), an API-only server in
 * this process and N `chexgen worker` processes (CHEXGEN_THREADS each, default 1), timed from the first submission
 * to the last job's end; then images/min per N and the ratio to the first N.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig, type Config } from '../config/loadConfig.js';
import { startChexgenServer } from '../composition/startChexgenServer.js';
import { percentile } from '../jobs/JobMetrics.js';
import { spawnChexgen, stopProcess, type ChexgenProcess } from './ChexgenProcess.js';
import { OrthancServer } from './TempOrthanc.js';
import { TempPostgres } from './TempPostgres.js';

type Options = { jobs: number; clients: number; steps: number; url?: string; token?: string; timeoutS: number; json: boolean; workers?: number[]; pacs?: string };

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const FINAL = new Set(['succeeded', 'failed', 'canceled']);

type Report = Record<string, unknown> & { completed: number; failed: number; lost: number; rejected: number; imagesPerMinute: number };

async function run(opts: Options): Promise<number> {
  if (opts.workers !== undefined) return runWorkers(opts, opts.workers);
  let server: Awaited<ReturnType<typeof startChexgenServer>> | undefined;
  let dataDir: string | undefined;
  let baseUrl = opts.url;
  if (baseUrl === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-load-'));
    const config = loadConfig(process.env, { dataDir, host: '127.0.0.1', port: '0', maxQueuedJobs: String(opts.jobs + 10), apiToken: '' });
    server = await startChexgenServer(config, pino({ level: process.env.CHEXGEN_LOG_LEVEL ?? 'warn' }), { dicomWeb: false, viewer: false });
    baseUrl = server.url;
  }
  const report = await measure(baseUrl, opts, server !== undefined ? 'this process: server + clients' : 'server, at the end');
  await server?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  print(report, opts.json);
  return passed(report) ? 0 : 1;
}

function passed(report: Report): boolean {
  return report.lost === 0 && report.failed === 0 && report.rejected === 0;
}

function print(report: Report, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`load: ${report.jobs} jobs from ${report.clients} clients, ${report.steps} step(s), ${report.seconds} s${report.workers !== undefined ? `, ${report.workers} worker(s) on PostgreSQL` : ''}\n`
      + `  submitted ${report.submitted}  completed ${report.completed}  failed ${report.failed}  canceled ${report.canceled}  lost ${report.lost}  rejected ${report.rejected}\n`
      + `  API latency p50 ${(report.apiLatencyMs as { p50: number }).p50} ms  p95 ${(report.apiLatencyMs as { p95: number }).p95} ms over ${report.apiCalls} calls\n`
      + `  peak RSS ${report.peakRssMb} MB (${report.rssOf})  ${report.imagesPerMinute} images/min\n`);
  }
}

/**
 * The scale-out measurement: for each N of `counts`, a new database in one throwaway PostgreSQL cluster, an API-only
 * server here and N worker processes, all delivering to one Orthanc; images/min per N and the ratio to the first.
 */
async function runWorkers(opts: Options, counts: number[]): Promise<number> {
  const cluster = await TempPostgres.create([]);
  const orthanc = opts.pacs === undefined ? await OrthancServer.create() : undefined;
  const pacsUrl = opts.pacs ?? orthanc?.dicomWebUrl ?? '';
  const root = await mkdtemp(join(tmpdir(), 'chexgen-load-workers-'));
  const reports: Report[] = [];
  try {
    for (const [run, n] of counts.entries()) {
      const databaseUrl = await cluster.createDatabase(`load_${run}_${n}`);
      const settings: Partial<Record<keyof Config, string>> = {
        dataDir: join(root, `api-${run}`), host: '127.0.0.1', port: '0', maxQueuedJobs: String(opts.jobs + 10), apiToken: '',
        databaseUrl, pacsUrl, apiOnly: 'true',
      };
      const server = await startChexgenServer(loadConfig(process.env, settings), pino({ level: process.env.CHEXGEN_LOG_LEVEL ?? 'warn' }), { dicomWeb: false, viewer: false });
      const workers: ChexgenProcess[] = [];
      try {
        for (let w = 0; w < n; w++) {
          workers.push(await spawnChexgen(['worker', '--name', `load-${run}-${w}`], {
            CHEXGEN_DATABASE_URL: databaseUrl, CHEXGEN_PACS_URL: pacsUrl, CHEXGEN_DATA_DIR: join(root, `worker-${run}-${w}`),
            CHEXGEN_THREADS: process.env.CHEXGEN_THREADS ?? '1', CHEXGEN_LOG_LEVEL: 'info', CHEXGEN_API_ONLY: 'false',
          }, /chexgen worker running/));
        }
        const report = await measure(server.url, opts, 'API process: API + clients');
        reports.push({ ...report, workers: n, threadsPerWorker: Number(process.env.CHEXGEN_THREADS ?? '1') });
        print(reports.at(-1) as Report, opts.json);
      } finally {
        await Promise.all(workers.map((w) => stopProcess(w.child)));
        await server.close();
      }
    }
  } finally {
    await orthanc?.dispose();
    await cluster.dispose();
    await rm(root, { recursive: true, force: true });
  }
  const base = reports[0]?.imagesPerMinute ?? 0;
  const summary = reports.map((r) => ({ workers: r.workers, imagesPerMinute: r.imagesPerMinute, ratio: base > 0 ? Math.round((r.imagesPerMinute / base) * 100) / 100 : null }));
  if (opts.json) process.stdout.write(`${JSON.stringify({ summary })}\n`);
  else process.stdout.write(`scale-out: ${summary.map((r) => `${r.workers} worker(s) ${r.imagesPerMinute} images/min (x${r.ratio})`).join(', ')}\n`);
  return reports.every(passed) ? 0 : 1;
}

/** Submits the jobs from `opts.clients` clients and follows each to its end; the figures. */
async function measure(baseUrl: string, opts: Options, rssOf: string): Promise<Report> {
  const inProcess = !rssOf.startsWith('server');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  const latencies: number[] = [];
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const call = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const started = performance.now();
    const res = await fetch(`${baseUrl}${path}`, { ...init, headers });
    const body = (await res.json()) as Record<string, unknown>;
    latencies.push(performance.now() - started);
    return { status: res.status, body };
  };

  const counts = { submitted: 0, rejected: 0, completed: 0, failed: 0, canceled: 0, lost: 0 };
  const deadline = Date.now() + opts.timeoutS * 1000;
  let next = 0;
  const started = performance.now();
  const client = async (c: number): Promise<void> => {
    while (next < opts.jobs) {
      const n = next++;
      const submit = await call('/api/v1/syntheses', {
        method: 'POST',
        body: JSON.stringify({ text: 'Cardiomegaly.', sex: n % 2 ? 'F' : 'M', age: 20 + (n % 60), steps: opts.steps, seed: n, idempotencyKey: `load-${c}-${n}` }),
      });
      if (submit.status !== 202) {
        counts.rejected++;
        continue;
      }
      counts.submitted++;
      const id = String(submit.body.id);
      for (;;) {
        const { status, body } = await call(`/api/v1/syntheses/${id}`);
        if (status === 200 && FINAL.has(String(body.status))) {
          if (body.status === 'succeeded') counts.completed++;
          else if (body.status === 'failed') counts.failed++;
          else counts.canceled++;
          break;
        }
        if (status === 404 || Date.now() > deadline) {
          counts.lost++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const metrics = await call('/metrics');
  const serverRss = Number((metrics.body.process as { rssBytes?: number } | undefined)?.rssBytes ?? 0);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    ...counts, jobs: opts.jobs, clients: opts.clients, steps: opts.steps, seconds: Math.round(seconds),
    apiCalls: latencies.length, apiLatencyMs: { p50: Math.round(percentile(sorted, 50) ?? 0), p95: Math.round(percentile(sorted, 95) ?? 0) },
    peakRssMb: Math.round((inProcess ? peakRss : serverRss) / 2 ** 20), rssOf, imagesPerMinute: Math.round((counts.completed / seconds) * 600) / 10,
  };
}

const workerCounts = (value: string): number[] => {
  const counts = value.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new InvalidArgumentError('--workers must be a number of workers from 1 to 64, or a list (1,2)');
  return counts;
};

const program = new Command('load')
  .option('--jobs <n>', 'jobs in all', intArg('--jobs', 1, 100_000), 200)
  .option('--clients <n>', 'concurrent clients', intArg('--clients', 1, 1000), 20)
  .option('--steps <n>', 'sampling steps per image', intArg('--steps', 1, 200), 1)
  .option('--url <url>', 'a running server (default: start one here with the configured model)')
  .option('--token <token>', 'API token of that server')
  .option('--timeout-s <s>', 'give up on jobs after this long', intArg('--timeout-s', 1, 86_400), 1800)
  .option('--workers <n,...>', 'measure the scale-out setup (PostgreSQL + Orthanc + API-only server + N worker processes) for each N', workerCounts)
  .option('--pacs <url>', 'with --workers: deliver to this DICOMweb root instead of a throwaway Orthanc')
  .option('--json', 'print one JSON line', false)
  .action(async (opts: Options) => {
    process.exitCode = await run(opts);
  });
await program.parseAsync(process.argv);
