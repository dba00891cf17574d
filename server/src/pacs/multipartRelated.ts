import { randomUUID } from 'node:crypto';

/** One body part of a multipart message: lower-cased header names and the raw content. */
export type MultipartPart = { headers: Record<string, string>; body: Uint8Array };

/** A media type with its parameters, parameter names lower-cased and quotes removed. */
export type ParsedMediaType = { mediaType: string; params: Record<string, string> };

const CRLF = Buffer.from('\r\n');

/**
 * Parses a Content-Type / Accept item such as `multipart/related; type="application/dicom"; boundary=x`.
 * Quoted values may hold `;` (Orthanc sends `type="application/octet-stream; transfer-syntax=..."`).
 */
export function parseMediaType(header: string): ParsedMediaType {
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const rest = semicolon < 0 ? '' : header.slice(semicolon);
  for (const match of rest.matchAll(/;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    const raw = match[2].trim();
    params[match[1].toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { mediaType, params };
}

/**
 * Builds a `multipart/related` body (RFC 2387) whose parts all have media type `type`. Returns the body and the
 * Content-Type header to send with it; the `type` parameter is quoted, which Orthanc 1.10 requires for STOW-RS.
 */
export function encodeMultipartRelated(
  parts: readonly Uint8Array[],
  type: string,
  partHeaders: Record<string, string> = {},
): { body: Buffer; contentType: string } {
  let boundary = `chexgen-${randomUUID()}`;
  while (parts.some((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength).includes(boundary))) {
    boundary = `chexgen-${randomUUID()}`;
  }
  const extraHeaders = Object.entries(partHeaders)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n${extraHeaders}\r\n`));
    chunks.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength), CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="${type}"; boundary=${boundary}` };
}

/**
 * Splits a `multipart/*` body into its parts, taking the boundary from `contentType`.
 *
 * @throws Error when the Content-Type has no boundary or the body is truncated (callers wrap it in their own error).
 */
export function decodeMultipart(body: Uint8Array, contentType: string): MultipartPart[] {
  const { mediaType, params } = parseMediaType(contentType);
  if (!mediaType.startsWith('multipart/'))
    throw new Error(`expected a multipart body, got Content-Type ${contentType}`);
  const boundary = params.boundary;
  if (!boundary) throw new Error(`multipart Content-Type without boundary: ${contentType}`);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = bytes.indexOf(delimiter);
  if (position < 0) throw new Error('multipart body holds no boundary delimiter');
  for (;;) {
    position += delimiter.length;
    if (bytes[position] === 0x2d && bytes[position + 1] === 0x2d) return parts; // "--": close delimiter
    const lineEnd = bytes.indexOf(CRLF, position); // skips transport padding after the delimiter
    if (lineEnd < 0) throw new Error('multipart body truncated after a boundary');
    const start = lineEnd + 2;
    const end = bytes.indexOf(nextDelimiter, start);
    if (end < 0) throw new Error('multipart body truncated: no closing boundary');
    parts.push(splitPart(bytes.subarray(start, end)));
    position = end + 2;
  }
}

function splitPart(part: Buffer): MultipartPart {
  // A part without headers starts with the empty line; otherwise headers end at the first CRLFCRLF.
  const headerEnd = part.subarray(0, 2).equals(CRLF) ? -2 : part.indexOf('\r\n\r\n');
  if (headerEnd === -1) return { headers: {}, body: new Uint8Array(part) };
  const headers: Record<string, string> = {};
  for (const line of part.subarray(0, Math.max(headerEnd, 0)).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: new Uint8Array(part.subarray(headerEnd + 4)) };
}
