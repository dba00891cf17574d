import type { DicomStore } from './DicomStore.js';

/**
 * Reachability of a store for /readyz: a remote PACS is asked a QIDO `limit=1` (answer within 3 s, cached 5 s); a
 * local (embedded) store is always reachable.
 */
export function storeReadiness(store: DicomStore, description: string, remote: boolean): () => Promise<{ ok: boolean; detail: string }> {
  let cached: { at: number; check: { ok: boolean; detail: string } } | undefined;
  return async () => {
    if (!remote) return { ok: true, detail: description };
    if (cached !== undefined && performance.now() - cached.at < 5000) return cached.check;
    let timer: NodeJS.Timeout | undefined;
    const check = await Promise.race([
      store.searchStudies({ limit: 1 }).then(() => ({ ok: true, detail: description })),
      new Promise<{ ok: boolean; detail: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `${description}: no answer within 3 s` }), 3000);
      }),
    ]).catch((error: unknown) => ({ ok: false, detail: `${description}: ${error instanceof Error ? error.message : String(error)}` }));
    clearTimeout(timer);
    cached = { at: performance.now(), check };
    return check;
  };
}
