import { describe, expect, it } from 'vitest';
import { decodeMultipart, encodeMultipartRelated, parseMediaType } from './multipartRelated.js';

describe('parseMediaType', () => {
  it('when a quoted parameter holds a semicolon (Orthanc frames), then it stays one value', () => {
    const parsed = parseMediaType(
      'multipart/related; type="application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"; boundary=abc',
    );
    expect(parsed).toEqual({
      mediaType: 'multipart/related',
      params: { type: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', boundary: 'abc' },
    });
  });

  it('when parameters are unquoted (OHIF omitQuotationForMultipartRequest), then they are read too', () => {
    expect(parseMediaType('Multipart/Related; Type=application/dicom; transfer-syntax=*').params).toEqual({
      type: 'application/dicom',
      'transfer-syntax': '*',
    });
  });
});

describe('encodeMultipartRelated / decodeMultipart', () => {
  it('when parts hold CRLFs and dashes, then they round-trip byte for byte', () => {
    const parts = [new Uint8Array([0x0d, 0x0a, 0x2d, 0x2d, 0x41]), new Uint8Array(0), new Uint8Array([1, 2, 3])];
    const { body, contentType } = encodeMultipartRelated(parts, 'application/dicom');
    expect(contentType).toMatch(/^multipart\/related; type="application\/dicom"; boundary=chexgen-/);
    const decoded = decodeMultipart(body, contentType);
    expect(decoded.map((part) => [...part.body])).toEqual(parts.map((part) => [...part]));
    expect(decoded[0].headers['content-type']).toBe('application/dicom');
  });

  it('when a part has no headers and the body has a preamble, then the content is still found', () => {
    const body = Buffer.from(
      'preamble\r\n--b\r\n\r\nhello\r\n--b\r\nContent-Type: text/plain\r\n\r\nworld\r\n--b--\r\n',
    );
    const decoded = decodeMultipart(body, 'multipart/related; boundary="b"');
    expect(decoded.map((part) => Buffer.from(part.body).toString())).toEqual(['hello', 'world']);
    expect(decoded[1].headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('when the closing boundary is missing, then it throws', () => {
    expect(() => decodeMultipart(Buffer.from('--b\r\n\r\nhello'), 'multipart/related; boundary=b')).toThrow(
      /truncated/,
    );
  });

  it('when the Content-Type has no boundary, then it throws', () => {
    expect(() => decodeMultipart(Buffer.from(''), 'multipart/related')).toThrow(/without boundary/);
  });
});
