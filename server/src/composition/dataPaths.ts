import { join } from 'node:path';

/** What lives in CHEXGEN_DATA_DIR: the job database, the embedded store, the outbox and the previews. */
export function dataPaths(dataDir: string): { jobs: string; store: string; outbox: string; previews: string } {
  return {
    jobs: join(dataDir, 'jobs.sqlite'),
    store: join(dataDir, 'store'),
    outbox: join(dataDir, 'outbox'),
    previews: join(dataDir, 'previews'),
  };
}
