import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CohortService } from '../../cohorts/CohortService.js';
import type { Cohort } from '../../cohorts/cohortTypes.js';
import { cohortsRoutes } from './cohortsRoutes.js';

const ID = '00000000-0000-4000-8000-000000000001';

describe('cohort event stream', () => {
  it('when reading the cohort fails while the stream is open, then the client gets an error event and the server log says why', async () => {
    const cohort = { id: ID, status: 'running', request: { size: 2, seed: 1 }, progress: { done: 0, failed: 0, canceled: 0, total: 2, fraction: 0 } } as unknown as Cohort;
    let calls = 0;
    const service = { get: () => { if (calls++ > 0) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }); return cohort; } } as unknown as CohortService;
    const logs: { msg: string; cohortId?: string; err?: { message: string } }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const app = express().use(cohortsRoutes(service, { maxCohortSize: 10, maxSteps: 10 }, { pollMs: 10, logger }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/cohorts/${ID}/events`)).text();
      expect(text).toMatch(/event: error\ndata: \{"code":"INTERNAL"/);
      expect(logs).toEqual([expect.objectContaining({ msg: 'cohort event stream ended by an error', cohortId: ID, err: expect.objectContaining({ message: 'database disk image is malformed' }) })]);
    } finally {
      server.close();
    }
  });
});
