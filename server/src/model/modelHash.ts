import { createHash } from 'node:crypto';
import type { ModelManifest } from './modelManifestSchema.js';

/** One hash for the whole model folder: sha256 over its files' names and hashes (model.json lists both). */
export function modelHash(manifest: ModelManifest): string {
  const h = createHash('sha256');
  for (const f of [...manifest.files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${f.file}:${f.sha256}\n`);
  return h.digest('hex');
}
