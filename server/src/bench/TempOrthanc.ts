import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from './freePort.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `orthanc` and `orthanc-dicomweb` packages put the server and the DICOMweb plugin. */
export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Whether a real Orthanc with the DICOMweb plugin can run here, and if not, why. */
export function orthancAvailability(): { ok: boolean; reason: string } {
  for (const path of [ORTHANC_BINARY, ORTHANC_DICOMWEB_PLUGIN]) {
    if (!existsSync(path))
      return { ok: false, reason: `${path} is missing (apt-get install orthanc orthanc-dicomweb)` };
  }
  return { ok: true, reason: '' };
}

/** Settings of a test Orthanc. */
export type OrthancOptions = {
  /** HTTP Basic users (name -> password); when given, authentication is enabled. */
  users?: Record<string, string>;
  /** How long start() waits for the DICOMweb root to answer (default 20 s). */
  readyTimeoutMs?: number;
};

/**
 * A private Orthanc 1.10 for tests: temp storage, a free loopback HTTP port, no DICOM port, the DICOMweb plugin at
 * `/dicom-web/` with full metadata. `stop()` and `start()` reuse the same port and storage (outage tests);
 * `dispose()` stops it and deletes the storage.
 */
export class OrthancServer {
  private process: ChildProcess | undefined;
  private logTail = '';

  private constructor(
    readonly port: number,
    readonly workDir: string,
    private readonly configPath: string,
    private readonly options: OrthancOptions,
  ) {}

  /** Creates the storage and config, then starts Orthanc and waits until DICOMweb answers. */
  static async create(options: OrthancOptions = {}): Promise<OrthancServer> {
    const workDir = await mkdtemp(join(tmpdir(), 'chexgen-orthanc-'));
    const port = await freePort();
    await mkdir(join(workDir, 'storage'));
    const config = {
      Name: 'chexgen-test',
      StorageDirectory: join(workDir, 'storage'),
      IndexDirectory: join(workDir, 'storage'),
      HttpPort: port,
      DicomServerEnabled: false,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: options.users !== undefined,
      RegisteredUsers: options.users ?? {},
      Plugins: [ORTHANC_DICOMWEB_PLUGIN],
      DicomWeb: {
        Enable: true,
        Root: '/dicom-web/',
        EnableWado: true,
        WadoRoot: '/wado',
        StudiesMetadata: 'Full',
        SeriesMetadata: 'Full',
      },
    };
    const configPath = join(workDir, 'orthanc.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const server = new OrthancServer(port, workDir, configPath, options);
    try {
      await server.start();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Base URL of Orthanc's REST API, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** DICOMweb root, e.g. `http://127.0.0.1:40123/dicom-web`. */
  get dicomWebUrl(): string {
    return `${this.url}/dicom-web`;
  }

  /** Starts Orthanc (again) on the same port and storage and waits until DICOMweb answers. */
  async start(): Promise<void> {
    if (this.process !== undefined) throw new Error('Orthanc is already running');
    const child = spawn(ORTHANC_BINARY, [this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const keep = (chunk: Buffer): void => {
      this.logTail = (this.logTail + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run ${ORTHANC_BINARY}: ${error.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`Orthanc exited early (code ${code}, signal ${signal}):\n${this.logTail.slice(-3000)}`)),
      );
    });
    exited.catch(() => undefined);
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    await Promise.race([this.waitUntilReady(), exited]).catch(async (error: unknown) => {
      await this.stop();
      throw error;
    });
  }

  /** Stops Orthanc (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. Storage is kept. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      this.process = undefined;
      return;
    }
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
    this.process = undefined;
  }

  /** Stops Orthanc and deletes its storage and config. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.workDir, { recursive: true, force: true });
  }

  /** The Authorization header of the first registered user, for raw requests in tests. */
  authorization(): Record<string, string> {
    const [user] = Object.entries(this.options.users ?? {});
    return user === undefined
      ? {}
      : { Authorization: `Basic ${Buffer.from(`${user[0]}:${user[1]}`).toString('base64')}` };
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 20_000);
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.dicomWebUrl}/studies`, {
          headers: this.authorization(),
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        if (response.status === 200) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Orthanc on port ${this.port} not ready (${last}):\n${this.logTail.slice(-3000)}`);
  }
}
