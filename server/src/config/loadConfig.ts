import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ChexgenError } from '../errors.js';
import type { ExecutionProviderName } from '../runtime/InferenceRuntime.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every setting, its environment variable, default and meaning. docs/configuration.md is written from this. */
export const CONFIG_KEYS = {
  modelsDir: { env: 'CHEXGEN_MODELS_DIR', default: resolve(REPO_ROOT, 'models'), doc: 'folder holding model folders' },
  model: { env: 'CHEXGEN_MODEL', default: 'cxr256-gpu-v1', doc: 'default model name' },
  executionProviders: { env: 'CHEXGEN_EP', default: 'cpu', doc: 'onnxruntime execution providers to try in order, comma-separated (cpu, cuda); cpu is always the fallback' },
  threads: { env: 'CHEXGEN_THREADS', default: '0', doc: 'onnxruntime intra-op threads (0 = one per core)' },
  dataDir: { env: 'CHEXGEN_DATA_DIR', default: resolve(REPO_ROOT, 'data'), doc: 'embedded DICOM store, job database and outbox live here' },
  pacsUrl: { env: 'CHEXGEN_PACS_URL', default: '', doc: 'DICOMweb root of the PACS (e.g. http://localhost:8042/dicom-web); empty = the embedded store' },
  pacsUser: { env: 'CHEXGEN_PACS_USER', default: '', doc: 'HTTP Basic user for the PACS' },
  pacsPassword: { env: 'CHEXGEN_PACS_PASSWORD', default: '', doc: 'HTTP Basic password for the PACS' },
  pacsToken: { env: 'CHEXGEN_PACS_TOKEN', default: '', doc: 'Bearer token for the PACS (instead of Basic)' },
  spinning: { env: 'CHEXGEN_SPINNING', default: 'false', doc: 'let onnxruntime threads spin between ops (faster on an idle machine; turn off when other work shares the cores)' },
} as const;

const schema = z.object({
  modelsDir: z.string().min(1),
  model: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only'),
  executionProviders: z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['cpu', 'cuda'])).min(1)),
  threads: z.coerce.number().int().min(0).max(256),
  dataDir: z.string().min(1),
  pacsUrl: z.union([z.literal(''), z.string().url('must be an http(s) URL').regex(/^https?:\/\//, 'must be an http(s) URL')]),
  pacsUser: z.string(),
  pacsPassword: z.string(),
  pacsToken: z.string(),
  spinning: z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
});

/** The typed, validated settings. */
export type Config = {
  modelsDir: string;
  model: string;
  executionProviders: ExecutionProviderName[];
  threads: number;
  spinning: boolean;
  dataDir: string;
  /** '' when no PACS is configured: the embedded store is used. */
  pacsUrl: string;
  pacsUser: string;
  pacsPassword: string;
  pacsToken: string;
};

/**
 * Reads settings from the environment (the only reader of process.env), applies defaults and validates them.
 * Flags override by passing `overrides`. A bad value is a ChexgenError naming the variable and the rule.
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof typeof CONFIG_KEYS, string>> = {}): Config {
  const raw: Record<string, string> = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    raw[key] = overrides[key as keyof typeof CONFIG_KEYS] ?? env[spec.env] ?? spec.default;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '') as keyof typeof CONFIG_KEYS;
    const variable = CONFIG_KEYS[key]?.env ?? key;
    throw new ChexgenError('INVALID_FIELD', `${variable}=${JSON.stringify(raw[key])}: ${issue?.message ?? 'invalid'}`, {
      field: variable,
    });
  }
  return { ...parsed.data, modelsDir: resolve(parsed.data.modelsDir), dataDir: resolve(parsed.data.dataDir) };
}
