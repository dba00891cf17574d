import { randomBytes } from 'node:crypto';

/** One part of a multipart/form-data reply: a plain field, or a file when `filename` is set. */
export type FormPart = { name: string; contentType: string; body: Buffer | string; filename?: string };

const TOKEN = /^[A-Za-z0-9._-]+$/;

/**
 * A multipart/form-data body (RFC 7578), the shape MONAI Label's server answers infer with (`params` then the
 * result file): `{ contentType, body }`. Names and filenames must be plain tokens (they are ours: `params`, `image`,
 * `<SOPInstanceUID>.dcm`), so nothing needs quoting; the boundary is random and checked against every part.
 */
export function multipartFormData(parts: readonly FormPart[]): { contentType: string; body: Buffer } {
  for (const part of parts) {
    if (!TOKEN.test(part.name) || (part.filename !== undefined && !TOKEN.test(part.filename))) throw new Error(`multipartFormData: unsafe part name ${part.name} ${part.filename ?? ''}`);
  }
  let boundary = '';
  const bodies = parts.map((p) => (typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body));
  do boundary = `chexgen-${randomBytes(12).toString('hex')}`;
  while (bodies.some((b) => b.includes(boundary)));
  const chunks: Buffer[] = [];
  parts.forEach((part, i) => {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.contentType}\r\n\r\n`, 'utf8'), bodies[i] ?? Buffer.alloc(0), Buffer.from('\r\n'));
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}
