import type { StoredMask, SynthesisJobRequest } from './jobTypes.js';
import { packRuns, unpackRuns } from './packRuns.js';

/** A mask in a database row: packed runs (since issue 13), or the plain array rows written before hold. */
type MaskRow = Omit<StoredMask, 'rle'> & ({ runs: string } | { rle: number[] });

/** A job request as its `request` column holds it: masks with packed runs (see packRuns). */
export function encodeJobRequest(request: SynthesisJobRequest): string {
  if (request.masks === undefined) return JSON.stringify(request);
  const masks = request.masks.map(({ rle, ...mask }): MaskRow => ({ ...mask, runs: packRuns(rle) }));
  return JSON.stringify({ ...request, masks });
}

/** Inverse of {@link encodeJobRequest}; also reads rows whose masks hold plain run arrays. */
export function decodeJobRequest(text: string): SynthesisJobRequest {
  const row = JSON.parse(text) as Omit<SynthesisJobRequest, 'masks'> & { masks?: MaskRow[] };
  if (row.masks === undefined) return row as SynthesisJobRequest;
  const masks = row.masks.map((mask): StoredMask => {
    if ('rle' in mask) return mask;
    const { runs, ...rest } = mask;
    return { ...rest, rle: unpackRuns(runs) };
  });
  return { ...row, masks };
}

/**
 * The `request` column of an ended job with the pixels of its SEG-derived masks dropped (`rle: []`, `purged: true`;
 * label and size stay), or undefined when it has none left to purge.
 */
export function purgedRequest(text: string): string | undefined {
  const request = decodeJobRequest(text);
  if (!(request.masks ?? []).some((m) => m.source === 'seg' && m.purged !== true)) return undefined;
  const masks = (request.masks ?? []).map((m) => (m.source === 'seg' ? { label: m.label, width: m.width, height: m.height, rle: [], source: 'seg' as const, purged: true as const } : m));
  return encodeJobRequest({ ...request, masks });
}
