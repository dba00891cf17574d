import { describe, expect, it } from 'vitest';
import { decodeBase64Array } from './decodeBase64Array.js';

describe('decodeBase64Array', () => {
  it('when given little-endian float32 bytes, then the values come back', () => {
    // numpy: np.array([1.5, -2.0], '<f4').tobytes() == b'\x00\x00\xc0\x3f\x00\x00\x00\xc0'
    const data_b64 = Buffer.from([0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]).toString('base64');
    const decoded = decodeBase64Array({ dtype: 'float32', dims: [1, 2], data_b64 });
    expect(decoded).toEqual({ dtype: 'float32', dims: [1, 2], data: new Float32Array([1.5, -2]) });
  });

  it('when given little-endian int64 bytes, then the values come back', () => {
    const data_b64 = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString(
      'base64',
    );
    expect(decodeBase64Array({ dtype: 'int64', dims: [2], data_b64 }).data).toEqual(new BigInt64Array([2n, -1n]));
  });

  it('when the byte count does not match dims, then it throws', () => {
    expect(() => decodeBase64Array({ dtype: 'float32', dims: [3], data_b64: 'AAAA' })).toThrow(/needs 12 bytes, got 3/);
  });
});
