import { z } from 'zod';
import { ChexgenError } from '../errors.js';
import { parseWithSchema } from '../validation/parseWithSchema.js';

/**
 * The token pattern, character for character as models/training/chexgen_train/tokenizer.py writes it into
 * tokenizer.json: a run of a-z letters, one digit, or one other non-whitespace code point. Only the six ASCII
 * whitespace characters separate tokens; every other code point (é, 😀, U+00A0) is a token of its own.
 */
export const TOKENIZER_PATTERN = String.raw`[a-z]+|[0-9]|[^ \t\n\r\f\va-z0-9]`;

/** The first three vocabulary entries, fixed at ids 0, 1, 2. */
export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>'] as const;

const PAD_ID = 0;
const UNK_ID = 1;
const BOS_ID = 2;

// The 'u' flag makes the regex step by code point like Python's re, so a non-BMP character (😀) is one token,
// not two surrogate halves.
const TOKEN_RE = new RegExp(TOKENIZER_PATTERN, 'gu');

/** Schema of tokenizer.json (`{"type": "chexgen-word", "version": 1, ...}`). */
export const tokenizerDocumentSchema = z
  .object({
    type: z.literal('chexgen-word'),
    version: z.literal(1),
    pattern: z.literal(TOKENIZER_PATTERN, {
      errorMap: (issue, ctx) =>
        issue.code === 'invalid_literal'
          ? { message: `must be exactly ${JSON.stringify(TOKENIZER_PATTERN)}, the only pattern the server implements` }
          : { message: ctx.defaultError },
    }),
    lowercase: z.literal('ascii'),
    max_length: z.number().int().min(1),
    pad_id: z.literal(PAD_ID),
    unk_id: z.literal(UNK_ID),
    bos_id: z.literal(BOS_ID),
    vocab: z
      .array(z.string())
      .refine((vocab) => SPECIAL_TOKENS.every((token, i) => vocab[i] === token), {
        message: `must start with ${SPECIAL_TOKENS.map((t) => JSON.stringify(t)).join(', ')}`,
      }),
  })
  .passthrough();

/** A validated tokenizer.json document. */
export type TokenizerDocument = z.output<typeof tokenizerDocumentSchema>;

/** One encoded text: `[L]` ids and mask as int64, the dtype the text encoder graph takes. */
export type EncodedText = { inputIds: BigInt64Array; attentionMask: BigInt64Array };

/** A batch of encoded texts, row-major `[B, L]`. */
export type EncodedBatch = EncodedText & { dims: [batch: number, length: number] };

/**
 * Word tokenizer that gives ids identical to chexgen_train.tokenizer.WordTokenizer (Python): ASCII-only
 * lower-casing, {@link TOKENIZER_PATTERN}, `<bos>` first, unknown words as `<unk>`, truncated then padded with
 * `<pad>` to `maxLength`.
 *
 * @example
 * ```ts
 * const tokenizer = WordTokenizer.fromJson(await readFile('models/cxr/tokenizer.json', 'utf8'));
 * const { inputIds, attentionMask } = tokenizer.encode('Small left pleural effusion.');
 * ```
 */
export class WordTokenizer {
  readonly maxLength: number;
  readonly vocab: readonly string[];
  // A Map, not an object: words such as "constructor" or "__proto__" must not hit Object.prototype.
  private readonly idByWord: ReadonlyMap<string, number>;

  private constructor(doc: TokenizerDocument) {
    this.maxLength = doc.max_length;
    this.vocab = doc.vocab;
    // Later duplicates win, as in Python's {w: i for i, w in enumerate(vocab)}.
    this.idByWord = new Map(doc.vocab.map((word, id) => [word, id]));
  }

  /**
   * Parses and validates tokenizer.json text.
   *
   * @param source - names the file in error messages.
   * @throws ChexgenError `MODEL_INVALID` naming the bad field.
   */
  static fromJson(text: string, source = 'tokenizer.json'): WordTokenizer {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      throw new ChexgenError('MODEL_INVALID', `${source}: not valid JSON: ${String(cause)}`, { cause });
    }
    return WordTokenizer.fromDocument(doc, source);
  }

  /** Validates an already parsed tokenizer document (e.g. one embedded in a test fixture). */
  static fromDocument(doc: unknown, source = 'tokenizer'): WordTokenizer {
    return new WordTokenizer(parseWithSchema(tokenizerDocumentSchema, doc, source, 'MODEL_INVALID'));
  }

  /** The tokens of `text` before id lookup (Python's `split_words`). */
  static split(text: string): string[] {
    return lowerAsciiOnly(text).match(TOKEN_RE) ?? [];
  }

  /** Encodes one text into `[maxLength]` ids and attention mask. */
  encode(text: string): EncodedText {
    const inputIds = new BigInt64Array(this.maxLength);
    const attentionMask = new BigInt64Array(this.maxLength);
    this.encodeInto(text, inputIds, attentionMask, 0);
    return { inputIds, attentionMask };
  }

  /** Encodes texts into row-major `[B, maxLength]` arrays, ready to become int64 tensors. */
  encodeBatch(texts: readonly string[]): EncodedBatch {
    const inputIds = new BigInt64Array(texts.length * this.maxLength); // [B, L]
    const attentionMask = new BigInt64Array(texts.length * this.maxLength); // [B, L]
    texts.forEach((text, row) => this.encodeInto(text, inputIds, attentionMask, row * this.maxLength));
    return { inputIds, attentionMask, dims: [texts.length, this.maxLength] };
  }

  // Writes one row; the arrays start zeroed, which is already <pad> ids and mask 0 for the tail.
  private encodeInto(text: string, ids: BigInt64Array, mask: BigInt64Array, offset: number): void {
    const row = [BOS_ID, ...WordTokenizer.split(text).map((word) => this.idByWord.get(word) ?? UNK_ID)];
    const length = Math.min(row.length, this.maxLength);
    for (let i = 0; i < length; i++) {
      ids[offset + i] = BigInt(row[i]);
      mask[offset + i] = 1n;
    }
  }
}

// Python's str.translate over A-Z only: toLowerCase would also fold 'É' or 'İ' and break id parity.
function lowerAsciiOnly(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
