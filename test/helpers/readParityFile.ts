import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseWithSchema } from '../../server/src/validation/parseWithSchema.js';

const base64ArraySchema = z.object({
  dtype: z.enum(['float32', 'int64']),
  dims: z.array(z.number().int().nonnegative()),
  data_b64: z.string(),
});

/**
 * Schema of the parity.json that `python -m chexgen_train.parity --out DIR` writes: per graph, the inputs it fed
 * PyTorch, the outputs PyTorch produced and the tolerance; plus tokenizer cases encoded by the Python tokenizer.
 */
export const parityFileSchema = z.object({
  graphs: z.record(
    z.string(),
    z.object({
      tolerance: z.number().nonnegative(),
      inputs: z.record(z.string(), base64ArraySchema),
      outputs: z.record(z.string(), base64ArraySchema),
    }),
  ),
  tokenizer_cases: z.array(
    z.object({ text: z.string(), input_ids: z.array(z.number().int()), attention_mask: z.array(z.number().int()) }),
  ),
});

/** A validated parity.json. */
export type ParityFile = z.output<typeof parityFileSchema>;

/** Reads and validates parity.json; errors name the bad field. */
export async function readParityFile(path: string): Promise<ParityFile> {
  const doc: unknown = JSON.parse(await readFile(path, 'utf8'));
  return parseWithSchema(parityFileSchema, doc, path, 'MODEL_INVALID');
}
