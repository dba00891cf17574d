import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { REQUEST_CEILINGS } from '../synthesis/synthesisRequest.js';
import { CONFIG_KEYS, loadConfig } from './loadConfig.js';

describe('loadConfig', () => {
  it('when nothing is set, then defaults apply: cpu, embedded store, no spinning', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ model: 'cxr256-gpu-v1.1', executionProviders: ['cpu'], threads: 0, spinning: false, pacsUrl: '' });
  });

  it('when variables and overrides are set, then overrides win and values are parsed', () => {
    const c = loadConfig({ CHEXGEN_EP: 'cuda, cpu', CHEXGEN_THREADS: '2', CHEXGEN_PACS_URL: 'http://localhost:8042/dicom-web' }, { threads: '1' });
    expect(c).toMatchObject({ executionProviders: ['cuda', 'cpu'], threads: 1, pacsUrl: 'http://localhost:8042/dicom-web' });
  });

  it('when a value is bad, then the error names the variable and the rule', () => {
    expect(() => loadConfig({ CHEXGEN_EP: 'tpu' })).toThrow(ChexgenError);
    expect(() => loadConfig({ CHEXGEN_EP: 'tpu' })).toThrow(/^CHEXGEN_EP="tpu": /);
    expect(() => loadConfig({ CHEXGEN_THREADS: '-1' })).toThrow(/CHEXGEN_THREADS/);
    expect(() => loadConfig({ CHEXGEN_PACS_URL: 'ftp://x' })).toThrow(/CHEXGEN_PACS_URL.*http/);
  });

  it('when the server settings are left out, then it binds loopback:8080, one job at a time, with the default limits', () => {
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1', port: 8080, apiToken: '', concurrency: 1, maxSteps: 100, maxCount: 16, maxBodyBytes: 16 * 2 ** 20 });
    expect(loadConfig({ PORT: '0', CHEXGEN_MAX_STEPS: '20' })).toMatchObject({ port: 0, maxSteps: 20 });
  });

  it('when a server setting is bad, then the error names its variable', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/^PORT="70000": /);
    expect(() => loadConfig({ CHEXGEN_API_TOKEN: 'short' })).toThrow(/^CHEXGEN_API_TOKEN=\(hidden\): must be at least 16/); // never echo a secret
    expect(() => loadConfig({ CHEXGEN_MAX_STEPS: '500' })).toThrow(/CHEXGEN_MAX_STEPS/);
    expect(() => loadConfig({ CHEXGEN_CONCURRENCY: '0' })).toThrow(/CHEXGEN_CONCURRENCY/);
  });

  it('when the request limits are set to the request ceilings, then they are taken; one more is refused (config may only tighten them)', () => {
    for (const [key, ceiling] of Object.entries(REQUEST_CEILINGS) as [keyof typeof REQUEST_CEILINGS, number][]) {
      const env = CONFIG_KEYS[key].env;
      expect(loadConfig({ [env]: String(ceiling) })[key], env).toBe(ceiling);
      expect(() => loadConfig({ [env]: String(ceiling + 1) }), env).toThrow(new RegExp(`^${env}=`));
    }
  });

  it('when the job database settings are left out, then jobs use the embedded SQLite and the server runs them (issue 15)', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: '', apiOnly: false, leaseSeconds: 30, workerName: '' });
    expect(loadConfig({ CHEXGEN_DATABASE_URL: 'postgresql://u:p@db.lan:5432/chexgen', CHEXGEN_PACS_URL: 'http://pacs.lan:8042/dicom-web', CHEXGEN_API_ONLY: '1', CHEXGEN_LEASE_S: '12', CHEXGEN_WORKER_NAME: 'gpu-1:a' }))
      .toMatchObject({ databaseUrl: 'postgresql://u:p@db.lan:5432/chexgen', apiOnly: true, leaseSeconds: 12, workerName: 'gpu-1:a' });
  });

  it('when a job database setting is bad, then the error names its variable and the rule, and never echoes the URL (it may hold a password)', () => {
    expect(() => loadConfig({ CHEXGEN_DATABASE_URL: 'mysql://u:secret@db/x' })).toThrow(/^CHEXGEN_DATABASE_URL=\(hidden\): must be a postgres:\/\//);
    expect(() => loadConfig({ CHEXGEN_DATABASE_URL: 'mysql://u:secret@db/x' })).not.toThrow(/secret/);
    expect(() => loadConfig({ CHEXGEN_LEASE_S: '1' })).toThrow(/^CHEXGEN_LEASE_S="1": /);
    expect(() => loadConfig({ CHEXGEN_API_ONLY: 'yes' })).toThrow(/^CHEXGEN_API_ONLY="yes": /);
    expect(() => loadConfig({ CHEXGEN_WORKER_NAME: 'a b' })).toThrow(/^CHEXGEN_WORKER_NAME="a b": letters, digits/);
    expect(() => loadConfig({ CHEXGEN_API_ONLY: 'true' })).toThrow(/^CHEXGEN_API_ONLY=true: needs CHEXGEN_DATABASE_URL/);
    expect(() => loadConfig({ CHEXGEN_DATABASE_URL: 'postgres://u:secret@db/x' })).toThrow(/^CHEXGEN_PACS_URL is empty: with CHEXGEN_DATABASE_URL/);
  });
});
