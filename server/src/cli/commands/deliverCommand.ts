import { Command } from 'commander';
import { loadConfig } from '../../config/loadConfig.js';
import { dataPaths } from '../../composition/dataPaths.js';
import { createCliLogger, logCallback } from '../../composition/logging.js';
import { openStore } from '../../composition/openStore.js';
import { Outbox } from '../../delivery/Outbox.js';
import { storeSink } from '../../delivery/storeSink.js';
import { ChexgenError } from '../../errors.js';

/** `chexgen deliver`: retry the studies waiting in the outbox (e.g. after a PACS outage). */
export function deliverCommand(): Command {
  return new Command('deliver')
    .description('deliver the synthetic studies waiting in the outbox to the configured store')
    .option('--pacs <url>', 'deliver to this PACS (default: CHEXGEN_PACS_URL, else the embedded store)')
    .option('--json', 'print a JSON summary', false)
    .action(async (opts: { pacs?: string; json: boolean }) => {
      const config = loadConfig(process.env, opts.pacs !== undefined ? { pacsUrl: opts.pacs } : {});
      const log = logCallback(createCliLogger('warn'));
      const { store, description } = await openStore(config, log);
      const result = await new Outbox(dataPaths(config.dataDir).outbox, { log }).deliverPending(storeSink(store));
      const summary = { target: description, ...result };
      process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `delivered ${result.delivered}, waiting ${result.remaining} (${description})\n`);
      if (result.remaining > 0) throw new ChexgenError('PACS_UNAVAILABLE', `${result.remaining} stud(ies) still waiting: ${result.lastError}`);
    });
}
