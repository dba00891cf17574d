import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { TOKENIZER_PATTERN, WordTokenizer } from './WordTokenizer.js';

// Expected ids below were produced by models/training/chexgen_train/tokenizer.py with this vocab and max_length 8.
const VOCAB = ['<pad>', '<unk>', '<bos>', '.', ',', '1', '2', 'left', 'effusion', 'é', '😀', 'constructor', 'e'];

function tokenizerDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'chexgen-word',
    version: 1,
    pattern: TOKENIZER_PATTERN,
    lowercase: 'ascii',
    max_length: 8,
    pad_id: 0,
    unk_id: 1,
    bos_id: 2,
    vocab: VOCAB,
    ...overrides,
  };
}

const tokenizer = WordTokenizer.fromDocument(tokenizerDoc());

function ids(text: string): { ids: number[]; mask: number[] } {
  const encoded = tokenizer.encode(text);
  return { ids: Array.from(encoded.inputIds, Number), mask: Array.from(encoded.attentionMask, Number) };
}

function thrown(run: () => unknown): ChexgenError {
  try {
    run();
  } catch (error) {
    if (error instanceof ChexgenError) return error;
    throw error;
  }
  throw new Error('expected a ChexgenError');
}

describe('WordTokenizer.encode', () => {
  it('when text has upper case, then only ASCII A-Z is lower-cased', () => {
    expect(ids('Left EFFUSION.')).toEqual({ ids: [2, 7, 8, 3, 0, 0, 0, 0], mask: [1, 1, 1, 1, 0, 0, 0, 0] });
    // 'É' stays 'É' (unknown) while 'é' is in the vocab; 'İ' must not become 'i̇' as toLowerCase would make it.
    expect(ids('É é').ids).toEqual([2, 1, 9, 0, 0, 0, 0, 0]);
    expect(WordTokenizer.split('İ')).toEqual(['İ']);
  });

  it('when text has numbers, then each digit is its own token', () => {
    expect(ids('12').ids).toEqual([2, 5, 6, 0, 0, 0, 0, 0]);
    expect(WordTokenizer.split('a1b')).toEqual(['a', '1', 'b']);
  });

  it('when text has non-BMP or combining characters, then each code point is one token', () => {
    expect(ids('😀😀').ids).toEqual([2, 10, 10, 0, 0, 0, 0, 0]);
    expect(WordTokenizer.split('e\u0301')).toEqual(['e', '\u0301']);
    expect(ids('e\u0301').ids).toEqual([2, 12, 1, 0, 0, 0, 0, 0]);
    expect(WordTokenizer.split('\ud800')).toEqual(['\ud800']);
  });

  it('when text has whitespace, then only the six ASCII spaces separate and U+00A0 is a token', () => {
    expect(WordTokenizer.split('a\tb\nc\rd\ve\ff g')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(WordTokenizer.split('x\u00a0y')).toEqual(['x', '\u00a0', 'y']);
  });

  it('when a word names an Object.prototype member, then it is looked up as a plain word', () => {
    expect(WordTokenizer.split('__proto__ constructor toString')).toEqual([
      '_', '_', 'proto', '_', '_', 'constructor', 'tostring',
    ]);
    expect(ids('__proto__ constructor toString').ids).toEqual([2, 1, 1, 1, 1, 1, 11, 1]);
  });

  it('when text is empty, then only <bos> is unmasked', () => {
    expect(ids('')).toEqual({ ids: [2, 0, 0, 0, 0, 0, 0, 0], mask: [1, 0, 0, 0, 0, 0, 0, 0] });
  });

  it('when text is longer than max_length, then it is truncated after <bos>', () => {
    expect(ids('left '.repeat(9))).toEqual({ ids: [2, 7, 7, 7, 7, 7, 7, 7], mask: [1, 1, 1, 1, 1, 1, 1, 1] });
  });
});

describe('WordTokenizer.encodeBatch', () => {
  it('when given two texts, then rows are laid out [B, L] in order', () => {
    const batch = tokenizer.encodeBatch(['left.', '12']);
    expect(batch.dims).toEqual([2, 8]);
    expect(Array.from(batch.inputIds, Number)).toEqual([2, 7, 3, 0, 0, 0, 0, 0, 2, 5, 6, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  });
});

describe('WordTokenizer.fromJson', () => {
  it('when Python wrote the file, then JSON.stringify(doc, null, 2) reproduces its bytes', () => {
    // Output of chexgen_train.tokenizer.WordTokenizer([... '.', 'é', '😀', '"q"', 'tab\there'], 4).to_json()
    const python = [
      '{',
      '  "type": "chexgen-word",',
      '  "version": 1,',
      String.raw`  "pattern": "[a-z]+|[0-9]|[^ \\t\\n\\r\\f\\va-z0-9]",`,
      '  "lowercase": "ascii",',
      '  "max_length": 4,',
      '  "pad_id": 0,',
      '  "unk_id": 1,',
      '  "bos_id": 2,',
      '  "vocab": [',
      '    "<pad>",',
      '    "<unk>",',
      '    "<bos>",',
      '    ".",',
      '    "é",',
      '    "😀",',
      String.raw`    "\"q\"",`,
      String.raw`    "tab\there"`,
      '  ]',
      '}',
      '',
    ].join('\n');
    expect(JSON.stringify(JSON.parse(python), null, 2) + '\n').toBe(python);
    expect(WordTokenizer.fromJson(python).vocab[7]).toBe('tab\there');
  });

  it('when the text is not JSON, then MODEL_INVALID names the file', () => {
    const error = thrown(() => WordTokenizer.fromJson('{', 'models/x/tokenizer.json'));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/^models\/x\/tokenizer\.json: not valid JSON/);
  });

  it.each([
    ['type', { type: 'bpe' }, /expected "chexgen-word"/],
    ['pattern', { pattern: '\\w+' }, /must be exactly/],
    ['max_length', { max_length: 8.5 }, /integer/],
    ['vocab', { vocab: ['<unk>', '<pad>', '<bos>'] }, /must start with "<pad>", "<unk>", "<bos>"/],
    ['vocab[3]', { vocab: ['<pad>', '<unk>', '<bos>', 7] }, /Expected string/],
    ['bos_id', { bos_id: 3 }, /expected 2/],
    ['lowercase', { lowercase: undefined }, /expected "ascii"/],
  ])('when %s is wrong, then the error names that field', (field, overrides, rule) => {
    const error = thrown(() => WordTokenizer.fromJson(JSON.stringify(tokenizerDoc(overrides)), 'tok.json'));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`tok.json: ${field}: `);
    expect(error.message).toMatch(rule);
  });
});

// Shared vectors written by the Python side prove both implementations agree on realistic prompts.
const vectorsPath = fileURLToPath(new URL('../../../test/fixtures/tokenizer-vectors.json', import.meta.url));
const hasVectors = existsSync(vectorsPath);

const vectorsTitle = hasVectors
  ? 'when encoding every case of test/fixtures/tokenizer-vectors.json, then ids and mask equal the Python ones'
  : 'skipped: test/fixtures/tokenizer-vectors.json is absent (the Python kit in models/training writes it)';

describe('tokenizer-vectors.json (shared with Python)', () => {
  it.skipIf(!hasVectors)(vectorsTitle, () => {
    const fixture = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
      tokenizer: unknown;
      cases: Array<{ text: string; input_ids: number[]; attention_mask: number[] }>;
    };
    const shared = WordTokenizer.fromDocument(fixture.tokenizer, 'tokenizer-vectors.json');
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const testCase of fixture.cases) {
      const encoded = shared.encode(testCase.text);
      // The text rides along so a failure shows which case broke.
      expect({ text: testCase.text, ids: Array.from(encoded.inputIds, Number) }).toEqual({
        text: testCase.text,
        ids: testCase.input_ids,
      });
      expect(Array.from(encoded.attentionMask, Number)).toEqual(testCase.attention_mask);
    }
  });
});
