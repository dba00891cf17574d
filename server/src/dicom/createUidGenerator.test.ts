import { describe, expect, it } from 'vitest';
import { createUidGenerator, uuidToUid } from './createUidGenerator.js';

describe('createUidGenerator', () => {
  it('when many UIDs are drawn, then all are distinct valid 2.25 UIDs of at most 64 characters', () => {
    const uid = createUidGenerator();
    const uids = Array.from({ length: 20_000 }, () => uid());
    expect(new Set(uids).size).toBe(uids.length);
    for (const u of uids) {
      expect(u).toMatch(/^2\.25\.(0|[1-9][0-9]*)$/);
      expect(u.length).toBeLessThanOrEqual(64);
    }
  });

  it('when a UUID is converted, then its 128 bits are written as one unsigned decimal', () => {
    expect(uuidToUid('00000000-0000-0000-0000-000000000001')).toBe('2.25.1');
    expect(uuidToUid('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe('2.25.340282366920938463463374607431768211455');
    expect(uuidToUid('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toBe('2.25.329800735698586629295641978511506172918'); // PS3.5 B.2
    expect(() => uuidToUid('not-a-uuid')).toThrow(/not a UUID/);
  });
});
