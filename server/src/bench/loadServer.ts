/**
 * `npm run load -- [--jobs 200] [--clients 20] [--steps 1] [--url http://127.0.0.1:8080] [--token T] [--json]`
 *
 * A bounded load run on loopback: `clients` concurrent clients submit `jobs` synthesis jobs in all (small step
 * counts) and poll each to its end. Without `--url` it starts its own server (the configured model, a temporary data
 * dir, the embedded store) in this process. Prints submitted / completed / failed / lost, p50/p95 API latency and peak
 * RSS, and exits 1 when a job was lost (accepted but never finished) or failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/loadConfig.js';
import { startChexgenServer } from '../composition/startChexgenServer.js';
import { percentile } from '../jobs/JobMetrics.js';

type Options = { jobs: number; clients: number; steps: number; url?: string; token?: string; timeoutS: number; json: boolean };

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const FINAL = new Set(['succeeded', 'failed', 'canceled']);

async function run(opts: Options): Promise<number> {
  let server: Awaited<ReturnType<typeof startChexgenServer>> | undefined;
  let dataDir: string | undefined;
  let baseUrl = opts.url;
  if (baseUrl === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-load-'));
    const config = loadConfig(process.env, { dataDir, host: '127.0.0.1', port: '0', maxQueuedJobs: String(opts.jobs + 10), apiToken: '' });
    server = await startChexgenServer(config, pino({ level: process.env.CHEXGEN_LOG_LEVEL ?? 'warn' }), { dicomWeb: false, viewer: false });
    baseUrl = server.url;
  }
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
  await server?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });

  const sorted = [...latencies].sort((a, b) => a - b);
  const report = {
    ...counts, jobs: opts.jobs, clients: opts.clients, steps: opts.steps, seconds: Math.round(seconds),
    apiCalls: latencies.length, apiLatencyMs: { p50: Math.round(percentile(sorted, 50) ?? 0), p95: Math.round(percentile(sorted, 95) ?? 0) },
    peakRssMb: Math.round((server !== undefined ? peakRss : serverRss) / 2 ** 20), imagesPerMinute: Math.round((counts.completed / seconds) * 600) / 10,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`load: ${report.jobs} jobs from ${report.clients} clients, ${report.steps} step(s), ${report.seconds} s\n`
      + `  submitted ${report.submitted}  completed ${report.completed}  failed ${report.failed}  canceled ${report.canceled}  lost ${report.lost}  rejected ${report.rejected}\n`
      + `  API latency p50 ${report.apiLatencyMs.p50} ms  p95 ${report.apiLatencyMs.p95} ms over ${report.apiCalls} calls\n`
      + `  peak RSS ${report.peakRssMb} MB${server !== undefined ? ' (this process: server + clients)' : ' (server, at the end)'}  ${report.imagesPerMinute} images/min\n`);
  }
  return counts.lost === 0 && counts.failed === 0 && counts.rejected === 0 ? 0 : 1;
}

const program = new Command('load')
  .option('--jobs <n>', 'jobs in all', intArg('--jobs', 1, 100_000), 200)
  .option('--clients <n>', 'concurrent clients', intArg('--clients', 1, 1000), 20)
  .option('--steps <n>', 'sampling steps per image', intArg('--steps', 1, 200), 1)
  .option('--url <url>', 'a running server (default: start one here with the configured model)')
  .option('--token <token>', 'API token of that server')
  .option('--timeout-s <s>', 'give up on jobs after this long', intArg('--timeout-s', 1, 86_400), 1800)
  .option('--json', 'print one JSON line', false)
  .action(async (opts: Options) => {
    process.exitCode = await run(opts);
  });
await program.parseAsync(process.argv);
