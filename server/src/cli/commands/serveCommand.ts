import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../../config/loadConfig.js';
import { runUntilSignal } from '../runUntilSignal.js';
import { startChexgenServer } from '../../composition/startChexgenServer.js';

type Options = { port?: string; host?: string; dataDir?: string; model?: string; concurrency?: string; logLevel?: string; apiOnly?: boolean };

/**
 * `chexgen serve`: the synthesis server, composed by startChexgenServer (server/src/composition). Logs JSON
 * lines on stdout; SIGTERM/SIGINT shut it down gracefully (running jobs go back to the queue), a second signal exits.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the synthesis server: the OHIF viewer, DICOMweb (proxy or embedded store), job API, probes, metrics (research use, not for diagnosis)')
    .option('--port <n>', 'TCP port (default: PORT or 8080; 0 = any free port)')
    .option('--host <address>', 'listen address (default: HOST or 127.0.0.1; anything else needs CHEXGEN_API_TOKEN)')
    .option('--data-dir <dir>', 'job database, embedded store, outbox and previews (default: CHEXGEN_DATA_DIR or data/)')
    .option('--model <name>', 'model folder under models/ (default: CHEXGEN_MODEL or cxr256-gpu-v1.1)')
    .option('--concurrency <n>', 'jobs run at the same time (default: CHEXGEN_CONCURRENCY or 1)')
    .option('--api-only', 'run no jobs here, only the API: `chexgen worker` processes run them (default: CHEXGEN_API_ONLY; needs CHEXGEN_DATABASE_URL)')
    .option('--log-level <level>', 'debug, info, warn, error (default: CHEXGEN_LOG_LEVEL or info)')
    .addHelpText('after', '\nEvery setting and its environment variable: docs/configuration.md. The API: docs/api.md.\n')
    .action(async (opts: Options) => {
      const config = loadConfig(process.env, {
        ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
        ...(opts.apiOnly === true ? { apiOnly: 'true' } : {}),
      });
      const logger = pino({ level: config.logLevel, base: { service: 'chexgen' } });
      const server = await startChexgenServer(config, logger);
      await runUntilSignal(logger, () => server.close(), 'signal received: shutting down');
    });
}
