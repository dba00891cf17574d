/**
 * A tiny ONNX model built in memory, for the machine-speed probe of the synthesis benchmark: a chain of MatMuls
 * `x [M,K] -> x W1 [M,N] -> x W1 W2 [M,K] -> ...` with constant weights W1 [K,N] and W2 [N,K], so every link is one
 * [M x K] x [K x N]-sized product (2*M*K*N FLOPs), weights are initializers (pre-packed by onnxruntime like model
 * weights) and the output is small. Encoded with a minimal protobuf writer (no onnx package in Node).
 */

/** Shape of the probe: `links` products of [m x k] x [k x n] (alternating with its transpose shape). */
export type MatMulChainShape = { m: number; k: number; n: number; links: number };

/** The shape the field notes measured ([256x384]x[384x1536]), 16 links: 4.8 GFLOP per run. */
export const DEFAULT_MATMUL_CHAIN: MatMulChainShape = { m: 256, k: 384, n: 1536, links: 16 };

/** FLOPs of one run (2 per multiply-accumulate). */
export function matMulChainFlops(shape: MatMulChainShape): number {
  return 2 * shape.m * shape.k * shape.n * shape.links;
}

// onnx.proto field numbers and protobuf wire types used below.
const VARINT = 0;
const BYTES = 2;
const FLOAT = 1; // TensorProto.DataType.FLOAT

class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: ${value}`);
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.parts.push(Uint8Array.from(bytes));
  }

  int(field: number, value: number): this {
    this.varint((field << 3) | VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | BYTES);
    this.varint(data.length);
    this.parts.push(data);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

/** ValueInfoProto of a float tensor with fixed dims. */
function floatValueInfo(w: ProtoWriter, name: string, dims: number[]): void {
  w.string(1, name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, FLOAT).message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
      }),
    ),
  );
}

/** TensorProto initializer with raw little-endian float32 data. */
function floatInitializer(w: ProtoWriter, name: string, dims: number[], data: Float32Array): void {
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT).string(8, name).bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Deterministic weights in [-a, a] with a = sqrt(3 / fanIn): unit variance in, unit variance out (no overflow). */
function weights(rows: number, cols: number, seed: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const a = Math.sqrt(3 / rows);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG (Numerical Recipes)
    out[i] = (s / 2 ** 32) * 2 * a - a;
  }
  return out;
}

/**
 * The serialized ModelProto (IR 8, ai.onnx opset 17): input `x` float32 [m, k], output `y` float32 [m, k] when
 * `links` is even ([m, n] when odd).
 */
export function buildMatMulChainModel(shape: MatMulChainShape = DEFAULT_MATMUL_CHAIN): Uint8Array {
  const { m, k, n, links } = shape;
  if (![m, k, n, links].every((v) => Number.isInteger(v) && v >= 1)) throw new RangeError(`bad shape ${JSON.stringify(shape)}`);
  const outDims = links % 2 === 0 ? [m, k] : [m, n];
  return new ProtoWriter()
    .int(1, 8) // ir_version
    .string(2, 'chexgen-bench')
    .message(8, (opset) => opset.string(1, '').int(2, 17))
    .message(7, (graph) => {
      graph.string(2, 'matmul_chain');
      for (let i = 0; i < links; i++) {
        const input = i === 0 ? 'x' : `h${i}`;
        const output = i === links - 1 ? 'y' : `h${i + 1}`;
        graph.message(1, (node) =>
          node.string(1, input).string(1, i % 2 === 0 ? 'w1' : 'w2').string(2, output).string(3, `matmul_${i}`).string(4, 'MatMul'),
        );
      }
      graph.message(5, (t) => floatInitializer(t, 'w1', [k, n], weights(k, n, 1)));
      graph.message(5, (t) => floatInitializer(t, 'w2', [n, k], weights(n, k, 2)));
      graph.message(11, (v) => floatValueInfo(v, 'x', [m, k]));
      graph.message(12, (v) => floatValueInfo(v, 'y', outDims));
    })
    .finish();
}

/** The weights the model holds, for tests that check its output against a plain product. */
export function matMulChainWeights(shape: MatMulChainShape): { w1: Float32Array; w2: Float32Array } {
  return { w1: weights(shape.k, shape.n, 1), w2: weights(shape.n, shape.k, 2) };
}
