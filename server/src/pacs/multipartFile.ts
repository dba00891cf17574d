import type { FileHandle } from 'node:fs/promises';
import { parseMediaType } from './multipartRelated.js';

/** Where one body part of a multipart message lies in a file: its headers and the byte range of its content. */
export type MultipartFilePart = { headers: Record<string, string>; start: number; end: number };

const CRLF = Buffer.from('\r\n');
/** Longest header block of one part that is read (part headers are a few lines). */
const MAX_PART_HEADER_BYTES = 16 * 1024;

/**
 * Finds the body parts of a `multipart/*` message stored in a file, reading it in chunks, so a large STOW body is
 * never held in memory whole (decodeMultipart does the same for a body in memory). Read each part with
 * {@link readPart}.
 *
 * @throws Error when the Content-Type has no boundary or the body is truncated (callers wrap it in their own error).
 */
export async function scanMultipartFile(handle: FileHandle, size: number, contentType: string, chunkBytes = 1024 * 1024): Promise<MultipartFilePart[]> {
  const { mediaType, params } = parseMediaType(contentType);
  if (!mediaType.startsWith('multipart/')) throw new Error(`expected a multipart body, got Content-Type ${contentType}`);
  const boundary = params.boundary;
  if (!boundary) throw new Error(`multipart Content-Type without boundary: ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const delimiters = await findDelimiters(handle, size, delimiter, chunkBytes);
  if (delimiters.length === 0) throw new Error('multipart body holds no boundary delimiter');
  const parts: MultipartFilePart[] = [];
  for (let i = 0; ; i++) {
    const after = delimiters[i] + delimiter.length;
    const line = await readRange(handle, after, Math.min(size, after + 1024));
    if (line[0] === 0x2d && line[1] === 0x2d) return parts; // "--": close delimiter
    const lineEnd = line.indexOf(CRLF); // skips transport padding after the delimiter
    if (lineEnd < 0) throw new Error('multipart body truncated after a boundary');
    const start = after + lineEnd + 2;
    const next = delimiters[i + 1];
    if (next === undefined) throw new Error('multipart body truncated: no closing boundary');
    const end = next - 2; // the CRLF before the next delimiter belongs to it
    if (end < start) throw new Error('multipart body part overlaps its boundary');
    const head = await readRange(handle, start, Math.min(end, start + MAX_PART_HEADER_BYTES));
    const headerEnd = head.subarray(0, 2).equals(CRLF) ? -2 : head.indexOf('\r\n\r\n');
    if (headerEnd === -1) {
      if (end - start > MAX_PART_HEADER_BYTES) throw new Error(`a part's headers are longer than ${MAX_PART_HEADER_BYTES} bytes`);
      parts.push({ headers: {}, start, end });
      continue;
    }
    parts.push({ headers: parseHeaders(head.subarray(0, Math.max(headerEnd, 0))), start: start + headerEnd + 4, end });
  }
}

/** The content of one part found by {@link scanMultipartFile}. */
export function readPart(handle: FileHandle, part: MultipartFilePart): Promise<Buffer> {
  return readRange(handle, part.start, part.end);
}

/**
 * Offsets of every delimiter that starts the file or follows a CRLF (RFC 2046 5.1.1), found chunk by chunk; chunks
 * overlap by the delimiter's length so one split across two chunks is found too.
 */
async function findDelimiters(handle: FileHandle, size: number, delimiter: Buffer, chunkBytes: number): Promise<number[]> {
  const found: number[] = [];
  const needle = Buffer.concat([CRLF, delimiter]);
  const head = await readRange(handle, 0, Math.min(size, delimiter.length));
  if (head.equals(delimiter)) found.push(0);
  const step = Math.max(chunkBytes, needle.length * 2);
  for (let offset = 0; offset < size; offset += step - needle.length + 1) {
    const chunk = await readRange(handle, offset, Math.min(size, offset + step));
    for (let at = chunk.indexOf(needle); at !== -1; at = chunk.indexOf(needle, at + 1)) {
      const position = offset + at + 2;
      if (found.length === 0 || position > (found.at(-1) ?? -1)) found.push(position);
    }
    if (offset + step >= size) break;
  }
  return found;
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
    if (bytesRead === 0) throw new Error('multipart body file ended early');
    filled += bytesRead;
  }
  return buffer;
}

function parseHeaders(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
