import busboy from 'busboy';
import type { Request } from 'express';
import { ChexgenError } from '../errors.js';

/**
 * The form of `POST /infer/{model}`: the `params` field, if sent. MONAI Label clients send multipart/form-data
 * (the Python client with a boundary containing `$`, browsers with their own) or nothing; busboy parses both, and
 * urlencoded forms. Other fields are ignored. File parts (`file`, `label`: an uploaded image or scribbles) are refused
 * with INVALID_FIELD naming the part: chexgen takes its source image from the DICOM store by UID (`?image=`).
 * The body is bounded by `maxBytes` (413 PAYLOAD_TOO_LARGE).
 */
export function readInferForm(req: Request, maxBytes: number): Promise<{ params: string | undefined }> {
  const type = req.get('content-type');
  const length = Number(req.get('content-length') ?? '0');
  if (type === undefined && (req.get('transfer-encoding') === undefined && length === 0)) return Promise.resolve({ params: undefined });
  if (length > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: maxBytes, fields: 64, parts: 66, files: 2, fileSize: maxBytes } });
    } catch (cause) {
      reject(new ChexgenError('INVALID_FIELD', `body: expected multipart/form-data with a "params" field (${cause instanceof Error ? cause.message : 'unreadable'})`, { field: 'body', status: 415, cause }));
      return;
    }
    let params: string | undefined;
    let failure: ChexgenError | undefined;
    let received = 0;
    const fail = (error: ChexgenError): void => {
      failure ??= error;
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes && failure === undefined) {
        fail(tooLarge());
        req.unpipe(parser);
        req.resume();
        reject(failure);
      }
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(tooLarge());
      if (name === 'params') params = value;
    });
    parser.on('file', (name, stream) => {
      fail(new ChexgenError('INVALID_FIELD', `${name}: uploading files is not supported; store the source image in the DICOM store and pass its UID as ?image=`, { field: name, status: 400 }));
      stream.resume();
    });
    parser.on('error', (cause: Error) => reject(new ChexgenError('INVALID_FIELD', `body: not a readable form (${cause.message})`, { field: 'body', status: 400, cause })));
    parser.on('close', () => (failure !== undefined ? reject(failure) : resolve({ params })));
    req.pipe(parser);
  });
}

function tooLarge(): ChexgenError {
  return new ChexgenError('PAYLOAD_TOO_LARGE', 'body: larger than the limit (CHEXGEN_MAX_BODY_BYTES)', { field: 'body', status: 413 });
}
