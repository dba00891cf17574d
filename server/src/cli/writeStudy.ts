import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyntheticStudy } from '../dicom/assembleSyntheticStudy.js';

/** Writes a study's objects as `<out>/<StudyInstanceUID>/{image,seg,sr}.dcm`; returns the paths. */
export async function writeStudyFiles(study: SyntheticStudy, outDir: string): Promise<string[]> {
  const dir = join(outDir, study.studyInstanceUid);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const object of study.objects) {
    const path = join(dir, `${object.kind}.dcm`);
    await writeFile(path, object.bytes);
    paths.push(path);
  }
  return paths;
}
