import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../../config/loadConfig.js';
import { runUntilSignal } from '../runUntilSignal.js';
import { openJobSystem } from '../../composition/openJobSystem.js';

type Options = { dataDir?: string; model?: string; concurrency?: string; logLevel?: string; name?: string };

/**
 * `chexgen worker`: runs synthesis jobs from the PostgreSQL job database (CHEXGEN_DATABASE_URL) and delivers them to
 * the PACS, beside an API-only `chexgen serve` and any number of other workers, on any machines. No HTTP. Logs JSON
 * lines on stdout; SIGTERM/SIGINT put the running jobs back in the queue and exit, a second signal exits at once.
 */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run synthesis jobs from the shared PostgreSQL job database (CHEXGEN_DATABASE_URL), next to `chexgen serve --api-only` (research use, not for diagnosis)')
    .option('--data-dir <dir>', "this worker's outbox (one data dir per worker process; default: CHEXGEN_DATA_DIR or data/)")
    .option('--model <name>', 'model folder under models/ (default: CHEXGEN_MODEL or cxr256-gpu-v1; the same as the API)')
    .option('--concurrency <n>', 'jobs run at the same time (default: CHEXGEN_CONCURRENCY or 1)')
    .option('--name <name>', 'how this worker names itself in the job database and the logs (default: CHEXGEN_WORKER_NAME or <host>:<pid>)')
    .option('--log-level <level>', 'debug, info, warn, error (default: CHEXGEN_LOG_LEVEL or info)')
    .addHelpText('after', '\nSettings: docs/configuration.md. A layout on several machines: docs/deployment.md.\n')
    .action(async (opts: Options) => {
      const config = loadConfig(process.env, {
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
        ...(opts.name !== undefined ? { workerName: opts.name } : {}),
      });
      const logger = pino({ level: config.logLevel, base: { service: 'chexgen-worker' } });
      const system = await openJobSystem(config, logger, { role: 'worker' });
      logger.info({ database: system.database, store: system.store.description, model: system.model.manifest.name, concurrency: config.concurrency }, 'chexgen worker running');
      await runUntilSignal(logger, () => system.close(), 'signal received: running jobs go back to the queue');
      logger.info('worker stopped');
    });
}
