import { createRequire } from 'node:module';
import { TAG, type DicomJsonDataset, type DicomJsonElement } from './dicomJson.js';

/** An element as dcmjs reads it: DICOM JSON-like, with ArrayBuffers for binary values and a `_rawValue` copy. */
type DcmjsElement = { vr: string; Value?: unknown[] };
type DcmjsDict = Record<string, DcmjsElement>;
type DcmjsModule = {
  data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: {
          ignoreErrors?: boolean;
          untilTag?: string | null;
          includeUntilTagValue?: boolean;
          noCopy?: boolean;
        },
      ): { meta: DcmjsDict; dict: DcmjsDict };
    };
  };
};

// dcmjs ships no type declarations; loading it through require keeps its untyped surface inside this file.
const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsModule;

/**
 * A parsed Part 10 file: its transfer syntax and dataset (group 0002 excluded) in dcmjs form, and whether it has
 * Pixel Data (also known when only the header was read).
 */
export type Part10 = { transferSyntaxUid: string; dataset: DcmjsDataset; hasPixelData: boolean };

/** A dcmjs dataset, opaque outside this file except through {@link toDicomJson} and {@link pixelDataOf}. */
export type DcmjsDataset = { readonly dict: DcmjsDict };

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/**
 * Parses Part 10 bytes. With `headerOnly` it stops before Pixel Data, which is all an index needs.
 *
 * @throws Error when the bytes are not a readable Part 10 file (no preamble/DICM, truncated, no meta header).
 */
export function readPart10(bytes: Uint8Array, options: { headerOnly?: boolean } = {}): Part10 {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const message = dcmjs.data.DicomMessage.readFile(
    buffer,
    options.headerOnly ? { untilTag: TAG.PixelData, includeUntilTagValue: false, noCopy: true } : { noCopy: true },
  );
  const transferSyntaxUid = message.meta['00020010']?.Value?.[0];
  if (typeof transferSyntaxUid !== 'string') throw new Error('Part 10 meta header has no TransferSyntaxUID');
  const hasPixelData = message.dict[TAG.PixelData] !== undefined;
  if (options.headerOnly) delete message.dict[TAG.PixelData]; // dcmjs leaves a stub element where it stopped
  return { transferSyntaxUid, dataset: { dict: message.dict }, hasPixelData };
}

/**
 * Converts a dataset to DICOM JSON (PS3.18 F.2). Top-level Pixel Data becomes `BulkDataURI: pixelDataUri` when a
 * URI is given (and is left out otherwise); other binary values become InlineBinary base64.
 */
export function toDicomJson(dataset: DcmjsDataset, pixelDataUri?: string): DicomJsonDataset {
  const json = convertDict(dataset.dict);
  delete json[TAG.PixelData];
  const pixelData = dataset.dict[TAG.PixelData];
  if (pixelData !== undefined && pixelDataUri !== undefined)
    json[TAG.PixelData] = { vr: pixelData.vr, BulkDataURI: pixelDataUri };
  return json;
}

/** Pixel Data as dcmjs holds it: one chunk for native data, one per frame (or fragment) when encapsulated. */
export function pixelDataOf(dataset: DcmjsDataset): Uint8Array[] | undefined {
  const element = dataset.dict[TAG.PixelData];
  return element === undefined ? undefined : binaryChunks(element);
}

// With noCopy dcmjs hands out views into the file buffer; without it, ArrayBuffers.
function binaryChunks(element: DcmjsElement): Uint8Array[] {
  const values = Array.isArray(element.Value) ? element.Value : [];
  return values.flatMap((value) => {
    if (value instanceof ArrayBuffer) return [new Uint8Array(value)];
    if (ArrayBuffer.isView(value)) return [new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
    return [];
  });
}

function convertDict(dict: DcmjsDict): DicomJsonDataset {
  const json: DicomJsonDataset = {};
  for (const [tag, element] of Object.entries(dict)) {
    if (tag.endsWith('0000')) continue; // group lengths are not part of DICOM JSON
    json[tag.toUpperCase()] = convertElement(element);
  }
  return json;
}

function convertElement(element: DcmjsElement): DicomJsonElement {
  const { vr } = element;
  const values = Array.isArray(element.Value) ? element.Value : [];
  if (vr === 'SQ') {
    const items = values.filter((item): item is DcmjsDict => typeof item === 'object' && item !== null);
    return items.length === 0 ? { vr } : { vr, Value: items.map(convertDict) };
  }
  if (BINARY_VRS.has(vr)) {
    const bytes = Buffer.concat(binaryChunks(element));
    return bytes.length === 0 ? { vr } : { vr, InlineBinary: bytes.toString('base64') };
  }
  const converted = values.map((value) => {
    if (value === '' || value === undefined) return null; // PS3.18 F.2.5: an empty value in a list is null
    if (vr === 'PN' && typeof value === 'string') return { Alphabetic: value };
    return value;
  });
  return converted.every((value) => value === null) ? { vr } : { vr, Value: converted };
}
