/** A raw array as parity.json stores it: little-endian bytes in base64 plus its dims. */
export type Base64Array = { dtype: 'float32' | 'int64'; dims: readonly number[]; data_b64: string };

/** A decoded array, typed by its dtype so it can go straight into an onnxruntime `Tensor`. */
export type DecodedArray =
  | { dtype: 'float32'; dims: number[]; data: Float32Array }
  | { dtype: 'int64'; dims: number[]; data: BigInt64Array };

/**
 * Decodes a {@link Base64Array}. It reads through a DataView with explicit little-endian order (numpy's `<f4`/`<i8`)
 * instead of aliasing the Buffer: Buffer.from(base64) may sit at an offset a Float32Array cannot view.
 *
 * @throws Error when the byte count does not match `dims`.
 */
export function decodeBase64Array(encoded: Base64Array): DecodedArray {
  const bytes = Buffer.from(encoded.data_b64, 'base64');
  const count = encoded.dims.reduce((product, dim) => product * dim, 1);
  const itemSize = encoded.dtype === 'float32' ? 4 : 8;
  if (bytes.length !== count * itemSize) {
    const what = `${encoded.dtype}[${encoded.dims.join(', ')}]`;
    throw new Error(`${what} needs ${count * itemSize} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [...encoded.dims];
  if (encoded.dtype === 'float32') {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    return { dtype: 'float32', dims, data };
  }
  const data = new BigInt64Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getBigInt64(i * 8, true);
  return { dtype: 'int64', dims, data };
}
