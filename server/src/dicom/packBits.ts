/**
 * Packs {0,1} pixels 8 to a byte, least significant bit first (PS3.5 8.1.1 for BitsAllocated 1): pixel i is bit
 * (i % 8) of byte floor(i / 8). Frames of a BINARY SEG are concatenated before packing, so frame boundaries need
 * not fall on bytes. The result is padded with zero bits to an even byte length.
 */
export function packBits(bits: Uint8Array): Uint8Array {
  const bytes = Math.ceil(bits.length / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) out[i >> 3] |= 1 << (i & 7);
  return out;
}
