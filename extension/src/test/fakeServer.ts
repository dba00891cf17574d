import type { ModelsResponse } from '../contract';

/** The model list of the built-in model, as GET /api/v1/models answers it. */
export const MODELS: ModelsResponse = {
  models: [
    {
      name: 'cxr256-gpu-v1', version: '1.0.0', resolution: 256, loaded: true,
      maskLabels: ['right_lung', 'left_lung', 'heart'], boxLabels: ['right_lung', 'left_lung', 'heart', 'nodule', 'mass', 'opacity'],
      findings: ['cardiomegaly', 'effusion', 'nodule'], defaultSteps: 20, defaultGuidance: 4, defaultSpatialGuidance: 1.5, samplers: ['dpmpp-2m', 'euler', 'ddim'],
      layouts: ['templates'], licence: 'Research use only; not for diagnosis.',
    },
  ],
  limits: { maxTextLength: 2000, maxBoxes: 64, maxMasks: 16, maxMaskPixels: 16_777_216, maxMaskRuns: 16_777_217, maxRequestMaskPixels: 268_435_456, maxCount: 16, maxSteps: 100, maxCohortSize: 1000 },
};

type Call = { method: string; path: string; body: unknown };
type Handler = (call: Call) => { status: number; body: unknown } | undefined;

/** A fetch that answers like the chexgen API from `handlers` (first match wins) and records every call. */
export function fakeFetch(...handlers: Handler[]) {
  const calls: Call[] = [];
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const call: Call = { method: init?.method ?? 'GET', path: input, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined };
    calls.push(call);
    for (const handler of [...handlers, defaults]) {
      const answer = handler(call);
      if (answer) return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    }
    return new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${call.path}`, field: null } }), { status: 404 });
  };
  return { fetch, calls };
}

function defaults(call: Call) {
  if (call.method === 'GET' && call.path === '/api/v1/models') return { status: 200, body: MODELS };
  if (call.method === 'POST' && call.path === '/api/v1/syntheses') return { status: 202, body: { id: 'job-1', status: 'queued' } };
  if (call.method === 'POST' && call.path === '/api/v1/cohorts') return { status: 202, body: { id: 'cohort-1', status: 'queued' } };
  return undefined;
}
