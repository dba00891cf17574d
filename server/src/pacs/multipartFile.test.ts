import { randomBytes } from 'node:crypto';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPart, scanMultipartFile } from './multipartFile.js';
import { decodeMultipart, encodeMultipartRelated } from './multipartRelated.js';

async function partsFromFile(body: Buffer, contentType: string, chunkBytes: number) {
  const path = join(await mkdtemp(join(tmpdir(), 'chexgen-multipart-')), 'body');
  await writeFile(path, body);
  const handle = await open(path, 'r');
  try {
    const parts = await scanMultipartFile(handle, body.length, contentType, chunkBytes);
    return await Promise.all(parts.map(async (part) => ({ headers: part.headers, body: new Uint8Array(await readPart(handle, part)) })));
  } finally {
    await handle.close();
  }
}

describe('scanMultipartFile', () => {
  it.each([16, 61, 100, 4096, 1 << 20])('when a body is scanned in chunks of %i bytes, then it finds the same parts as decodeMultipart', async (chunkBytes) => {
    const instances = [randomBytes(5000), randomBytes(1), randomBytes(0), randomBytes(300)];
    const { body, contentType } = encodeMultipartRelated(instances, 'application/dicom');
    const parts = await partsFromFile(body, contentType, chunkBytes);
    expect(parts).toEqual(decodeMultipart(body, contentType).map((p) => ({ headers: p.headers, body: new Uint8Array(p.body) })));
    expect(parts.map((p) => Buffer.from(p.body))).toEqual(instances);
  });

  it('when parts have no headers, a preamble and transport padding, then they are found like decodeMultipart finds them', async () => {
    const body = Buffer.from('preamble\r\n--b  \r\n\r\nfirst\r\n--b\r\nContent-Type: application/dicom\r\n\r\nsecond\r\n--b--\r\nepilogue');
    const parts = await partsFromFile(body, 'multipart/related; boundary=b', 7);
    expect(parts.map((p) => Buffer.from(p.body).toString())).toEqual(['first', 'second']);
    expect(parts[1].headers).toEqual({ 'content-type': 'application/dicom' });
  });

  it.each([
    ['--b\r\n\r\nunterminated', 'no closing boundary'],
    ['no delimiter at all', 'no boundary delimiter'],
    ['--b', 'truncated after a boundary'],
  ])('when the body is %j, then it is an error saying %s', async (text, message) => {
    await expect(partsFromFile(Buffer.from(text), 'multipart/related; boundary=b', 16)).rejects.toThrow(message);
  });
});
