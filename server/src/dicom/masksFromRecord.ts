import type { ConditionChannel } from '../synthesis/conditioning.js';
import { decodeRuns, type GenerationRecord } from '../synthesis/generationRecord.js';

/** A binary mask, row-major, non-zero = inside. */
export type LabeledMask = { label: string; width: number; height: number; data: Uint8Array };

/**
 * The mask condition planes of a record (model resolution, {0,1}), in channel order: only channels of kind
 * `mask` that were present in the request. `channels` is the model's channel list (model.json); the record's plane
 * `index` refers to it.
 */
export function masksFromRecord(record: GenerationRecord, channels: readonly ConditionChannel[]): LabeledMask[] {
  const size = record.planes.size;
  const masks: LabeledMask[] = [];
  for (const plane of record.planes.channels) {
    const channel = channels.find((c) => c.index === plane.index);
    if (channel === undefined) throw new Error(`masksFromRecord: the record has plane ${plane.index}, the channel list does not`);
    if (channel.kind !== 'mask' || !plane.present) continue;
    const decoded = decodeRuns(plane.runs, size * size);
    const data = new Uint8Array(decoded.length);
    for (let i = 0; i < decoded.length; i++) data[i] = decoded[i] > 0.5 ? 1 : 0;
    masks.push({ label: channel.label, width: size, height: size, data });
  }
  return masks;
}
