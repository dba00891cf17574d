import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { freePort } from './freePort.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's `postgresql` package puts the server programs (one folder per major version). */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** The newest installed `/usr/lib/postgresql/<major>/bin`, or undefined when the package is not installed. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(DEBIAN_PG_ROOT)) return undefined;
  return readdirSync(DEBIAN_PG_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(DEBIAN_PG_ROOT, major, 'bin'))
    .find((dir) => existsSync(join(dir, 'initdb')));
}

/** Whether a throwaway PostgreSQL cluster can be started here, and if not, why. */
export function postgresAvailability(): { ok: boolean; reason: string } {
  return postgresBinDir() === undefined
    ? { ok: false, reason: `no ${DEBIAN_PG_ROOT}/<major>/bin/initdb (apt-get install postgresql)` }
    : { ok: true, reason: '' };
}

/**
 * A throwaway PostgreSQL cluster for tests and the load bench: `initdb` into a temp folder, a free loopback port,
 * trust authentication for the `postgres` user, its socket in the same folder. PostgreSQL refuses to run as root,
 * so as root the programs run as the `postgres` user the Debian package creates (`runuser`). `stop()` and `start()`
 * reuse the same data and port (the database down and back); `dispose()` stops it and deletes everything.
 */
export class TempPostgres {
  private running = false;

  private constructor(readonly port: number, readonly dir: string, private readonly bin: string, private readonly asUser: string | undefined) {}

  /** Creates and starts a cluster with the databases `databases` (default: `chexgen`). */
  static async create(databases: readonly string[] = ['chexgen']): Promise<TempPostgres> {
    const bin = postgresBinDir();
    if (bin === undefined) throw new Error(postgresAvailability().reason);
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-pg-'));
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (asUser !== undefined) {
      const { stdout } = await run('id', ['-u', asUser]);
      const { stdout: gid } = await run('id', ['-g', asUser]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new TempPostgres(await freePort(), dir, bin, asUser);
    try {
      await cluster.exec('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
      await cluster.start();
      for (const name of databases) await cluster.exec('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', name]);
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** The URL of database `name` (default `chexgen`) for the `postgres` user. */
  url(name = 'chexgen'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Creates another database in the cluster and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await this.exec('createdb', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', name]);
    return this.url(name);
  }

  /** Starts the server (again) on the same data and port and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /**
   * Stops the server: `fast` (clients are disconnected, a clean shutdown) or `immediate` (no shutdown work at all,
   * like a crash; recovery runs at the next start).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** The end of the server's log, for failure messages. */
  async logTail(chars = 3000): Promise<string> {
    return (await readFile(join(this.dir, 'server.log'), 'utf8').catch(() => '')).slice(-chars);
  }

  /** Stops the server and deletes the cluster. */
  async dispose(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const file = join(this.bin, program);
    const [command, argv] = this.asUser === undefined ? [file, args] : ['runuser', ['-u', this.asUser, '--', file, ...args]];
    try {
      await run(command, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr ?? (error as Error).message;
      throw new Error(`${program} failed: ${detail.trim()}\n${await this.logTail()}`);
    }
  }
}
