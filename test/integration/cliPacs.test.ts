import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orthancAvailability, OrthancServer } from '../helpers/orthanc.js';
import { runCommand } from '../helpers/runCommand.js';
import { inCi } from '../helpers/testEnvironment.js';

// The `chexgen` command against a real Orthanc: store, find, reproduce by UID, and an outage during delivery.
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'chexgen.mjs');
const orthanc = orthancAvailability();
const skip = !orthanc.ok && !inCi;
if (skip) console.warn(`CLI + Orthanc tests skipped: ${orthanc.reason}; set CI=true to make this a failure`);

describe.skipIf(skip)('chexgen with a real Orthanc', () => {
  let server: OrthancServer;
  let dataDir: string;
  const chexgen = (...args: string[]) =>
    runCommand(process.execPath, [BIN, ...args], { cwd: REPO, timeoutMs: 120_000, env: { ...process.env, CHEXGEN_DATA_DIR: dataDir } });
  const studyUids = async () => {
    const res = await fetch(`${server.dicomWebUrl}/studies`);
    return ((await res.json()) as Record<string, { Value?: string[] }>[]).map((s) => s['0020000D']?.Value?.[0]);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-data-'));
    server = await OrthancServer.create();
  }, 60_000);
  afterAll(async () => server?.dispose());

  it('when synthesize --pacs runs, then QIDO finds the study with image, SEG and SR, and reproduce by UID matches', async () => {
    const run = await chexgen('synthesize', '--text', 'Cardiomegaly.', '--sex', 'M', '--age', '58',
      '--mask', `heart=${join(REPO, 'test', 'fixtures', 'masks', 'heart-256.png')}`, '--box', 'nodule:150,60,170,80',
      '--steps', '4', '--seed', '21', '--format', 'dicom', '--pacs', server.dicomWebUrl, '--json', '--out', join(dataDir, 'out'));
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    const uid: string = summary.studies[0].StudyInstanceUID;
    expect(summary.delivery).toMatchObject({ delivered: 1, remaining: 0 });
    expect(await studyUids()).toContain(uid);
    const series = (await (await fetch(`${server.dicomWebUrl}/studies/${uid}/series`)).json()) as Record<string, { Value?: string[] }>[];
    expect(series.map((s) => s['00080060']?.Value?.[0]).sort()).toEqual(['DX', 'SEG', 'SR']);
    const again = await chexgen('reproduce', uid, '--pacs', server.dicomWebUrl, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ compared: true, identical: true, seed: 21 });
  });

  it('when masks are taken from a SEG in Orthanc (--seg), then the image equals the one made from the mask files', async () => {
    const common = ['--text', 'Normal chest radiograph.', '--steps', '3', '--seed', '8', '--format', 'dicom', '--pacs', server.dicomWebUrl, '--json'];
    const first = await chexgen('synthesize', ...common, '--mask', `right_lung=${join(REPO, 'test', 'fixtures', 'masks', 'right-lung-256.png')}`,
      '--mask', `left_lung=${join(REPO, 'test', 'fixtures', 'masks', 'left-lung-256.png')}`, '--out', join(dataDir, 'seg-a'));
    expect(first.code, first.stderr).toBe(0);
    const uid: string = JSON.parse(first.stdout.trim()).studies[0].StudyInstanceUID;
    const second = await chexgen('synthesize', ...common, '--seg', uid, '--source-study', uid, '--out', join(dataDir, 'seg-b'));
    expect(second.code, second.stderr).toBe(0);
    const uid2: string = JSON.parse(second.stdout.trim()).studies[0].StudyInstanceUID;
    const pixels = async (dir: string, study: string) => {
      const { readPart10 } = await import('../../server/src/dicom/readPart10.js');
      const { readFile } = await import('node:fs/promises');
      const ds = readPart10(new Uint8Array(await readFile(join(dataDir, dir, study, 'image.dcm'))));
      return Buffer.from((Array.isArray(ds.PixelData) ? ds.PixelData[0] : ds.PixelData) as ArrayBuffer);
    };
    expect((await pixels('seg-a', uid)).equals(await pixels('seg-b', uid2))).toBe(true);
    expect(uid2).not.toBe(uid); // a new synthetic study; the source is only linked in the SR
  });

  it('when Orthanc is down during delivery, then the study waits in the outbox and arrives once after `chexgen deliver`', async () => {
    await server.stop();
    const run = await chexgen('synthesize', '--text', 'Effusion.', '--steps', '3', '--seed', '5', '--format', 'dicom',
      '--pacs', server.dicomWebUrl, '--json', '--out', join(dataDir, 'out2'));
    expect(run.code).toBe(5); // PACS_UNAVAILABLE, but nothing lost
    expect(run.stderr).toContain('chexgen deliver');
    const uid: string = JSON.parse(run.stdout.trim()).studies[0].StudyInstanceUID;
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([uid]);
    await server.start();
    const deliver = await chexgen('deliver', '--pacs', server.dicomWebUrl, '--json');
    expect(deliver.code, deliver.stderr).toBe(0);
    expect(JSON.parse(deliver.stdout.trim())).toMatchObject({ delivered: 1, remaining: 0 });
    expect((await studyUids()).filter((u) => u === uid)).toHaveLength(1);
    const instances = (await (await fetch(`${server.dicomWebUrl}/studies/${uid}/instances`)).json()) as unknown[];
    expect(instances).toHaveLength(2); // image + SR (no masks given)
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([]);
  }, 180_000);
});
