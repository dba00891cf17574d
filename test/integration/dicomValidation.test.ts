import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSegmentation } from '../../server/src/dicom/buildSegmentation.js';
import { buildStructuredReport } from '../../server/src/dicom/buildStructuredReport.js';
import { buildSyntheticImage } from '../../server/src/dicom/buildSyntheticImage.js';
import { masksFromRecord } from '../../server/src/dicom/masksFromRecord.js';
import { newSyntheticStudy } from '../../server/src/dicom/newSyntheticStudy.js';
import { toPart10 } from '../../server/src/dicom/toPart10.js';
import type { NaturalizedDataset } from '../../server/src/dicom/WriterContext.js';
import { ellipseMask, fixedContext, fixtureImage, fixtureRecord, MODEL_CHANNELS } from '../fixtures/dicom/syntheticFixtures.js';
import { runCommand } from '../helpers/runCommand.js';
import { inCi } from '../helpers/testEnvironment.js';

// Debian dicom3tools (dciodvfy) and dcmtk (dcmdump, dsrdump): scripts/install-test-deps.sh installs both.
const TOOLS = ['dciodvfy', 'dcmdump', 'dsrdump'] as const;
const TOOL_TIMEOUT_MS = 60_000;


function probe(tool: string): boolean {
  const result = spawnSync(tool, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  return result.error === undefined; // any exit status: the program exists and runs
}

const missing = TOOLS.filter((tool) => !probe(tool));
const skip = missing.length > 0 && !inCi;
const suiteTitle = skip
  ? `DICOM validation skipped: ${missing.join(', ')} not found (apt-get install dicom3tools dcmtk); set CI=true to make this a failure`
  : 'DICOM validation: writers checked by dciodvfy (dicom3tools), dcmdump and dsrdump (dcmtk)';
// The default reporter hides the titles of skipped suites, so say why out loud.
if (skip) console.warn(suiteTitle);

// Debian's dicom3tools predates SyntheticData (0008,001C), which we set on purpose: exactly this error is allowed.
const ALLOWED_ERRORS = ['Error - Attribute with an even group number is not a recognized standard attribute - (0x0008,0x001c)  ?'];

type Written = { name: string; path: string };

async function validate(file: Written): Promise<{ errors: string[]; warnings: string[]; output: string }> {
  const result = await runCommand('dciodvfy', [file.path], { cwd: tmpdir(), timeoutMs: TOOL_TIMEOUT_MS });
  const output = `${result.stdout}\n${result.stderr}`;
  const lines = output.split('\n').map((line) => line.trimEnd());
  return {
    errors: lines.filter((line) => line.startsWith('Error') && !ALLOWED_ERRORS.includes(line)),
    warnings: lines.filter((line) => line.includes('Warning')),
    output,
  };
}

describe.skipIf(skip)(suiteTitle, () => {
  let dir = '';
  const files: Written[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chexgen-dicom-'));
    const ctx = fixedContext();
    const record = fixtureRecord();
    const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
    const image = buildSyntheticImage(fixtureImage(), study, record, ctx);
    const seg = buildSegmentation(masksFromRecord(record, MODEL_CHANNELS), image, study, record, ctx);
    const sr = buildStructuredReport(record, MODEL_CHANNELS, image, study, ctx, {
      sourceStudy: { StudyInstanceUID: '1.2.826.0.1.3680043.8.498.1', SeriesInstanceUID: '1.2.826.0.1.3680043.8.498.2', SOPInstanceUID: '1.2.826.0.1.3680043.8.498.3' },
    });
    // A second study: unknown sex/age, lateral view, heart mask only, no boxes, no report text, no source link.
    const bare = { ...fixtureRecord({ masks: [ellipseMask('heart', 64, 0.5, 0.6, 0.2, 0.2)], boxes: [] }), sex: null, age: null, view: 'lateral' as const, text: '' };
    const bareStudy = newSyntheticStudy({ sex: bare.sex, age: bare.age }, ctx);
    const bareImage = buildSyntheticImage(fixtureImage(256), bareStudy, bare, ctx);
    const bareSeg = buildSegmentation(masksFromRecord(bare, MODEL_CHANNELS), bareImage, bareStudy, bare, ctx);
    const bareSr = buildStructuredReport(bare, MODEL_CHANNELS, bareImage, bareStudy, ctx);
    const objects: [string, NaturalizedDataset | null][] = [
      ['image', image], ['seg', seg], ['sr', sr], ['image-lateral', bareImage], ['seg-heart-only', bareSeg], ['sr-no-boxes', bareSr],
    ];
    for (const [name, dataset] of objects) {
      if (dataset === null) throw new Error(`${name}: the writer returned null`);
      const path = join(dir, `${name}.dcm`);
      await writeFile(path, toPart10(dataset));
      files.push({ name, path });
    }
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('when each object kind is written, then dciodvfy reports no error (warnings are printed)', async () => {
    expect(files).toHaveLength(6);
    for (const file of files) {
      const { errors, warnings, output } = await validate(file);
      if (warnings.length > 0) console.warn(`dciodvfy ${file.name}: ${warnings.length} warning(s)\n  ${warnings.join('\n  ')}`);
      expect(errors, `dciodvfy ${file.name}:\n${output}`).toEqual([]);
      expect(output, `dciodvfy ${file.name} recognised the IOD`).toMatch(/^(SCImage|Segmentation|Comprehensive3DSR)$/m);
    }
  });

  it('when dumped by dcmtk, then each file parses and the SR tree has the expected branches', async () => {
    for (const file of files) {
      const dump = await runCommand('dcmdump', ['-q', file.path], { cwd: tmpdir(), timeoutMs: TOOL_TIMEOUT_MS });
      expect(dump.code, `dcmdump ${file.name}:\n${dump.stderr}`).toBe(0);
      expect(dump.stdout).toContain('CHEXGEN-SYN-');
    }
    const sr = files.find((f) => f.name === 'sr');
    const tree = await runCommand('dsrdump', ['-q', sr?.path ?? ''], { cwd: tmpdir(), timeoutMs: TOOL_TIMEOUT_MS });
    expect(tree.code, `dsrdump:\n${tree.stderr}`).toBe(0);
    for (const expected of ['"Imaging Measurement Report"', '"Qualitative Evaluations"', '(27925004,SCT,"Nodule")', '"Impression"', 'POLYLINE']) {
      expect(tree.stdout).toContain(expected);
    }
  });
});
