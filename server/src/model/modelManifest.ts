import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ChexgenError } from '../errors.js';
import { parseWithSchema } from '../validation/parseWithSchema.js';
import { modelManifestSchema, type ModelManifest } from './modelManifestSchema.js';
import { sha256File } from './sha256File.js';

export type { ModelManifest } from './modelManifestSchema.js';

/** The manifest file every model folder holds. */
export const MANIFEST_FILE = 'model.json';

/** A model folder found by {@link listModels}: where it is and its verified manifest. */
export type ListedModel = { dir: string; manifest: ModelManifest };

/**
 * Reads, validates and verifies `<dir>/model.json`: the schema (see modelManifestSchema), then every entry of
 * `files` exists inside the folder with the listed size and SHA-256.
 *
 * @throws ChexgenError `MODEL_NOT_FOUND` when model.json cannot be read; `MODEL_INVALID` naming the field
 * (e.g. `files[2].sha256`) when the manifest or a file breaks the contract.
 */
export async function loadModelManifest(dir: string): Promise<ModelManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (cause) {
    throw new ChexgenError('MODEL_NOT_FOUND', `${manifestPath}: cannot read: ${String(cause)}`, { cause });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ChexgenError('MODEL_INVALID', `${manifestPath}: not valid JSON: ${String(cause)}`, { cause });
  }
  const manifest = parseWithSchema(modelManifestSchema, doc, manifestPath, 'MODEL_INVALID');
  await verifyFiles(dir, manifest, manifestPath);
  return manifest;
}

/**
 * Loads the manifest of every direct subfolder of `modelsRoot` that contains model.json (others, such as
 * `training/`, are ignored), sorted by folder name. One broken model fails the whole call: a half-valid model
 * directory is a deployment error that should surface at startup.
 */
export async function listModels(modelsRoot: string): Promise<ListedModel[]> {
  let entries;
  try {
    entries = await readdir(modelsRoot, { withFileTypes: true });
  } catch (cause) {
    throw new ChexgenError('MODEL_NOT_FOUND', `${modelsRoot}: cannot list models: ${String(cause)}`, { cause });
  }
  const dirs = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(modelsRoot, entry.name))
    .sort();
  const models: ListedModel[] = [];
  for (const dir of dirs) {
    if (!(await isFile(join(dir, MANIFEST_FILE)))) continue;
    models.push({ dir, manifest: await loadModelManifest(dir) });
  }
  return models;
}

// Sequential on purpose: the first broken entry is reported, the same one every run.
async function verifyFiles(dir: string, manifest: ModelManifest, manifestPath: string): Promise<void> {
  const root = await realpath(dir);
  for (const [i, entry] of manifest.files.entries()) {
    const fail = (field: string, rule: string): ChexgenError =>
      new ChexgenError('MODEL_INVALID', `${manifestPath}: files[${i}].${field}: ${rule}`, {
        field: `files[${i}].${field}`,
      });
    const path = join(dir, entry.file);
    if (!(await isFile(path))) throw fail('file', `"${entry.file}" does not exist or is not a regular file`);
    // The schema already rejects "..", but a symlink inside the folder could still point outside it.
    if (!(await realpath(path)).startsWith(root + sep)) {
      throw fail('file', `"${entry.file}" resolves outside the model folder`);
    }
    const size = (await stat(path)).size;
    if (size !== entry.bytes) throw fail('bytes', `"${entry.file}" has ${size} bytes, expected ${entry.bytes}`);
    const digest = await sha256File(path);
    if (digest !== entry.sha256) {
      throw fail('sha256', `"${entry.file}" hashes to ${digest}, expected ${entry.sha256}`);
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
