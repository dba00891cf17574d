import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildMatMulChainModel, matMulChainFlops, matMulChainWeights, type MatMulChainShape } from './matMulChainModel.js';
import { MatMulProbe } from './MatMulProbe.js';

/** [r x c] row-major times [c x n] row-major, in float64. */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, r: number, c: number, n: number): Float64Array {
  const out = new Float64Array(r * n);
  for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += a[i * c + k] * b[k * n + j];
    out[i * n + j] = s;
  }
  return out;
}

describe('buildMatMulChainModel', () => {
  it('when onnxruntime runs the encoded model, then it computes x W1 W2 W1 (checked in float64)', async () => {
    const shape: MatMulChainShape = { m: 3, k: 4, n: 5, links: 3 };
    const session = await InferenceSession.create(buildMatMulChainModel(shape));
    try {
      const x = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2); // [3, 4]
      const { y } = await session.run({ x: new Tensor('float32', x, [3, 4]) });
      const { w1, w2 } = matMulChainWeights(shape);
      const expected = matmul(matmul(matmul(x, w1, 3, 4, 5), w2, 3, 5, 4), w1, 3, 4, 5);
      expect(y.dims).toEqual([3, 5]);
      const got = y.data as Float32Array;
      expected.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    } finally {
      await session.release();
    }
  });

  it('when the shape is the default probe, then one run is 16 products of 2*256*384*1536 FLOPs', () => {
    expect(matMulChainFlops({ m: 256, k: 384, n: 1536, links: 16 })).toBe(16 * 2 * 256 * 384 * 1536);
  });

  it('when a dimension is not a positive integer, then it throws naming the shape', () => {
    expect(() => buildMatMulChainModel({ m: 0, k: 4, n: 5, links: 1 })).toThrow(/bad shape/);
  });
});

describe('MatMulProbe', () => {
  it('when asked twice in its worker, then it reports a positive rate each time and closes', async () => {
    const probe = await MatMulProbe.open({ shape: { m: 64, k: 64, n: 64, links: 2 }, intraOpThreads: 1, allowSpinning: false, warmupRuns: 1 });
    try {
      for (let i = 0; i < 2; i++) expect(await probe.measure(20)).toBeGreaterThan(0);
    } finally {
      await probe.close();
    }
    await expect(probe.measure(20)).rejects.toThrow(/MatMul probe: closed/);
  });
});
