import { z } from 'zod';

/** The graphs every model folder must ship; the sampler needs all four. */
export const REQUIRED_GRAPHS = ['text_encoder', 'denoiser', 'vae_decoder', 'vae_encoder'] as const;

/** Name of one of {@link REQUIRED_GRAPHS}. */
export type GraphName = (typeof REQUIRED_GRAPHS)[number];

/**
 * True for a plain relative path that stays inside the model folder: '/'-separated, no empty, '.' or '..'
 * segments, not absolute, no backslashes or drive letters (which would mean something else on Windows).
 */
export function isContainedRelativePath(path: string): boolean {
  if (path === '' || path.includes('\\') || path.includes('\0') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

const relativePath = z.string().refine(isContainedRelativePath, {
  message: 'must be a relative path inside the model folder (no "..", no leading "/", no "\\")',
});

const positiveInt = z.number().int().positive();

const tensorSpecSchema = z
  .object({
    name: z.string().min(1),
    dtype: z.enum(['float32', 'int64']),
    // A number is a fixed size; a string names a dynamic axis ("batch", "length").
    shape: z.array(z.union([positiveInt, z.string().min(1)])),
  })
  .passthrough();

/** One graph's ONNX file and its input/output signature. */
export const graphSchema = z
  .object({
    file: relativePath,
    /** ONNX external data files holding the graph's weights (large graphs are split so no file exceeds 20 MiB). */
    external_data: z.array(relativePath).optional(),
    inputs: z.array(tensorSpecSchema).min(1),
    outputs: z.array(tensorSpecSchema).min(1),
  })
  .passthrough();

const graphsShape = Object.fromEntries(REQUIRED_GRAPHS.map((name) => [name, graphSchema])) as Record<
  GraphName,
  typeof graphSchema
>;

const fileEntrySchema = z
  .object({
    file: relativePath,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'),
    bytes: z.number().int().nonnegative(),
  })
  .passthrough();

const baseSchema = z
  .object({
    format: z.literal('chexgen-model'),
    format_version: z.literal(1),
    name: z.string().min(1),
    version: z.string().min(1),
    description: z.string(),
    resolution: positiveInt,
    latent: z
      .object({
        channels: positiveInt,
        height: positiveInt,
        width: positiveInt,
        normalised_in_graphs: z.boolean(),
        shift: z.array(z.number()),
        scale: z.array(z.number()),
      })
      .passthrough(),
    schedule: z
      .object({
        type: z.literal('rectified_flow'),
        prediction: z.literal('velocity'),
        timestep_input: z.string().min(1),
        train_timestep_sampling: z.string().min(1),
        shift: z.number().positive(),
        reference_sampler: z.literal('euler'),
        default_steps: positiveInt,
        default_guidance: z.number(),
        /** Guidance scale for masks and boxes; absent: default_guidance. */
        default_spatial_guidance: z.number().min(0).max(20).optional(),
      })
      .passthrough(),
    text: z.object({ tokenizer: relativePath, max_length: positiveInt, prompt_prefix: z.string() }).passthrough(),
    conditions: z
      .object({
        channels: z.array(
          z.object({ index: z.number().int().nonnegative(), kind: z.enum(['mask', 'box']), label: z.string().min(1) }),
        ),
        rasterization: z.string().min(1),
        unconditional: z.string().min(1),
      })
      .passthrough(),
    // Extra graphs are allowed but must have the same shape, so their files are checked like the others.
    graphs: z.object(graphsShape).catchall(graphSchema),
    weights: z.object({ storage: z.string().min(1), bytes: z.number().int().nonnegative() }).passthrough(),
    training: z.record(z.string(), z.unknown()),
    licence: z.string().min(1),
    files: z.array(fileEntrySchema).min(1),
  })
  .passthrough();

/**
 * Schema of models/<name>/model.json, the contract between the Python export and the server. Besides the field
 * rules it checks consistency: per-channel latent shift/scale, condition indices 0..K-1 in order, unique file
 * entries, and that every graph file and the tokenizer are listed in `files` (so all of them are hash-checked).
 */
export const modelManifestSchema = baseSchema.superRefine((manifest, ctx) => {
  const issue = (path: Array<string | number>, message: string): void =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });

  for (const key of ['shift', 'scale'] as const) {
    if (manifest.latent[key].length !== manifest.latent.channels) {
      issue(['latent', key], `must have one value per latent channel (${manifest.latent.channels})`);
    }
  }
  manifest.conditions.channels.forEach((channel, position) => {
    if (channel.index !== position) issue(['conditions', 'channels', position, 'index'], `must be ${position}`);
  });

  const listed = new Set<string>();
  manifest.files.forEach((entry, i) => {
    if (listed.has(entry.file)) issue(['files', i, 'file'], `"${entry.file}" is listed twice`);
    listed.add(entry.file);
  });
  for (const [name, graph] of Object.entries(manifest.graphs)) {
    if (!listed.has(graph.file)) issue(['graphs', name, 'file'], `"${graph.file}" must be listed in files`);
    (graph.external_data ?? []).forEach((file, i) => {
      if (!listed.has(file)) issue(['graphs', name, 'external_data', i], `"${file}" must be listed in files`);
    });
    for (const side of ['inputs', 'outputs'] as const) {
      const names = graph[side].map((spec) => spec.name);
      if (new Set(names).size !== names.length) issue(['graphs', name, side], 'names must be unique');
    }
  }
  if (!listed.has(manifest.text.tokenizer)) {
    issue(['text', 'tokenizer'], `"${manifest.text.tokenizer}" must be listed in files`);
  }
});

/** A validated model.json. */
export type ModelManifest = z.output<typeof modelManifestSchema>;

/** One graph entry of {@link ModelManifest}. */
export type GraphSpec = z.output<typeof graphSchema>;
