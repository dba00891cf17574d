import type { BinaryMask, ConditionChannel } from '../conditions/conditionTypes.js';
import { decodeRuns } from '../conditions/runLength.js';
import type { GenerationRecord } from './generationRecord.js';

/**
 * The mask condition planes of a record (model resolution, {0,1}), in channel order: only channels of kind
 * `mask` that were present in the request. `channels` is the model's channel list (model.json); the record's plane
 * `index` refers to it.
 */
export function masksFromRecord(record: GenerationRecord, channels: readonly ConditionChannel[]): BinaryMask[] {
  const size = record.planes.size;
  const masks: BinaryMask[] = [];
  for (const plane of record.planes.channels) {
    const channel = channels.find((c) => c.index === plane.index);
    if (channel === undefined) throw new Error(`masksFromRecord: the record has plane ${plane.index}, the channel list does not`);
    if (channel.kind !== 'mask' || !plane.present) continue;
    masks.push({ label: channel.label, width: size, height: size, data: decodeRuns(plane.runs, size * size, `planes.channels[${plane.index}].runs`) });
  }
  return masks;
}
