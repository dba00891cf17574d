import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { DatasetFile } from './exportCohortDataset.js';

/** Writes an exported dataset into `dir` (created if needed), file by file; returns how many files it wrote. */
export async function writeDatasetFolder(files: AsyncIterable<DatasetFile>, dir: string): Promise<number> {
  const root = resolve(dir);
  let count = 0;
  for await (const file of files) {
    const path = resolve(join(root, file.path));
    if (!path.startsWith(root + sep)) throw new Error(`writeDatasetFolder: ${file.path} is outside ${root}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.bytes);
    count++;
  }
  return count;
}
