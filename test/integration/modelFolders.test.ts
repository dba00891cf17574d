import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../server/src/model/modelManifest.js';
import { WordTokenizer } from '../../server/src/synthesis/WordTokenizer.js';

// Checks the model folders committed under models/ (models/training is the Python kit, not a model).
const MODELS_ROOT = fileURLToPath(new URL('../../models/', import.meta.url));

function foldersWith(file: string): string[] {
  if (!existsSync(MODELS_ROOT)) return [];
  return readdirSync(MODELS_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(MODELS_ROOT, entry.name, file)))
    .map((entry) => entry.name)
    .sort();
}

const tokenizerFolders = foldersWith('tokenizer.json');
const modelFolders = foldersWith('model.json');

describe('models/*/tokenizer.json', () => {
  if (tokenizerFolders.length === 0) it.skip('no models/*/tokenizer.json yet', () => {});

  it.each(tokenizerFolders)('when reading models/%s/tokenizer.json, then it loads and round-trips exactly', (name) => {
    const path = join(MODELS_ROOT, name, 'tokenizer.json');
    const text = readFileSync(path, 'utf8');
    // Python writes json.dumps(doc, indent=2, ensure_ascii=False) + "\n"; identical bytes mean both sides agree on
    // the document and the file was not hand-edited.
    expect(JSON.stringify(JSON.parse(text), null, 2) + '\n').toBe(text);
    expect(WordTokenizer.fromJson(text, path).vocab.length).toBeGreaterThan(3);
  });
});

describe('models/*/model.json', () => {
  if (modelFolders.length === 0) it.skip('no models/*/model.json yet', () => {});

  it.each(modelFolders)('when loading models/%s, then the manifest and every file hash are valid', async (name) => {
    const manifest = await loadModelManifest(join(MODELS_ROOT, name));
    expect(manifest.format).toBe('chexgen-model');
  });
});
