import { describe, expect, it } from 'vitest';
import { elementCount, transferList, withOwnBuffer } from './workerProtocol.js';

describe('elementCount', () => {
  it('when dims are non-negative integers, then it is their product (1 for a scalar)', () => {
    expect(elementCount([2, 4, 32, 32])).toBe(8192);
    expect(elementCount([])).toBe(1);
    expect(elementCount([3, 0])).toBe(0);
  });

  it('when a dim is negative or not an integer, then it is undefined', () => {
    expect(elementCount([2, -1])).toBeUndefined();
    expect(elementCount([2.5])).toBeUndefined();
    expect(elementCount([Number.NaN])).toBeUndefined();
  });
});

describe('withOwnBuffer', () => {
  it('when the array owns its whole buffer, then the same tensor comes back (no copy)', () => {
    const tensor = { type: 'float32' as const, data: new Float32Array([1, 2]), dims: [2] };
    expect(withOwnBuffer(tensor)).toBe(tensor);
  });

  it('when the array is a view into a larger buffer, then a copy of just the view comes back', () => {
    const whole = new BigInt64Array([1n, 2n, 3n, 4n]);
    const tensor = { type: 'int64' as const, data: whole.subarray(1, 3), dims: [2] };
    const own = withOwnBuffer(tensor);
    expect(own).not.toBe(tensor);
    expect(own.data).toEqual(new BigInt64Array([2n, 3n]));
    expect(own.data.buffer.byteLength).toBe(16);
    expect(own.dims).toEqual([2]);
  });

  it('when the array lives in shared memory, then it is copied into a transferable buffer', () => {
    const shared = new Float32Array(new SharedArrayBuffer(8));
    const own = withOwnBuffer({ type: 'float32', data: shared, dims: [2] });
    expect(own.data.buffer).toBeInstanceOf(ArrayBuffer);
  });
});

describe('transferList', () => {
  it('when two tensors share a buffer, then it is listed once', () => {
    const data = new Float32Array(4);
    const list = transferList([
      { type: 'float32', data, dims: [4] },
      { type: 'float32', data, dims: [2, 2] },
      { type: 'int64', data: new BigInt64Array(1), dims: [1] },
    ]);
    expect(list).toHaveLength(2);
    expect(list[0]).toBe(data.buffer);
  });
});
