import { describe, expect, it } from 'vitest';
import { packBits } from './packBits.js';

describe('packBits', () => {
  it('when pixels are packed, then pixel i is bit i%8 of byte i/8 (LSB first) and the length is even', () => {
    // 10 pixels: bits 0, 3, 7 of byte 0 and bit 1 of byte 1
    expect([...packBits(new Uint8Array([1, 0, 0, 1, 0, 0, 0, 1, 0, 1]))]).toEqual([0b1000_1001, 0b0000_0010]);
    expect([...packBits(new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1, 1]))]).toEqual([0xff, 0x01]);
    expect([...packBits(new Uint8Array(3))]).toEqual([0, 0]); // 1 byte, padded to 2
    expect(packBits(new Uint8Array(16)).length).toBe(2);
  });
});
