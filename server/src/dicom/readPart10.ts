import dcmjs from 'dcmjs';
import { TAG, type DicomJsonDataset, type DicomJsonElement } from './dicomJson.js';
import type { NaturalizedDataset } from './WriterContext.js';

const { DicomMetaDictionary, DicomMessage } = dcmjs.data;

/** An element as dcmjs reads it: DICOM JSON-like, with ArrayBuffers (or views, without copying) for binary values. */
type DcmjsElement = { vr: string; Value?: unknown[] };
type DcmjsDict = Record<string, DcmjsElement>;

/** A dcmjs dataset as read, opaque outside this file except through {@link toDicomJson} and {@link pixelDataOf}. */
export type DcmjsDataset = { readonly dict: DcmjsDict; readonly meta: DcmjsDict };

/**
 * A parsed Part 10 file: its transfer syntax and dataset (group 0002 apart) in dcmjs form, and whether it has
 * Pixel Data (also known when only the header was read).
 */
export type Part10 = { transferSyntaxUid: string; dataset: DcmjsDataset; hasPixelData: boolean };

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/**
 * The one Part 10 reader (toPart10 is the one writer). With `headerOnly` it stops before Pixel Data, which is all
 * an index needs; with `copy` binary values are ArrayBuffers of their own, else views into one copy of `bytes`.
 *
 * @throws Error when the bytes are not a readable Part 10 file (no preamble/DICM, truncated, no meta header).
 */
export function parsePart10(bytes: Uint8Array, options: { headerOnly?: boolean; copy?: boolean } = {}): Part10 {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const noCopy = options.copy !== true;
  const message = DicomMessage.readFile(
    buffer,
    options.headerOnly ? { untilTag: TAG.PixelData, includeUntilTagValue: false, noCopy } : { noCopy },
  ) as { meta: DcmjsDict; dict: DcmjsDict };
  const transferSyntaxUid = message.meta['00020010']?.Value?.[0];
  if (typeof transferSyntaxUid !== 'string') throw new Error('Part 10 meta header has no TransferSyntaxUID');
  const hasPixelData = message.dict[TAG.PixelData] !== undefined;
  if (options.headerOnly) delete message.dict[TAG.PixelData]; // dcmjs leaves a stub element where it stopped
  return { transferSyntaxUid, dataset: { dict: message.dict, meta: message.meta }, hasPixelData };
}

// VRs whose text is encoded in the Specific Character Set, and the single-valued ones among them.
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);
const SINGLE_VALUED_TEXT_VRS = new Set(['ST', 'LT', 'UT']);
const utf8 = new TextDecoder('utf-8');

// dcmjs 0.52 reads sequence items through fresh streams that decode text as "latin1" whatever the Specific Character
// Set says. Node 20's latin1 decoder maps bytes 1:1 to U+0000-U+00FF; from Node 22/24 on, TextDecoder('latin1') is
// WHATWG's windows-1252, which maps 27 bytes of 0x80-0x9F elsewhere (0x9F -> U+0178, the second byte of "ß").
// Both are undone here, so the bytes are recoverable on every supported Node (scripts/test-node24.sh caught this).
const WINDOWS_1252_HIGH = new Map<number, number>([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86], [0x2021, 0x87],
  [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c], [0x017d, 0x8e], [0x2018, 0x91],
  [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95], [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98],
  [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b], [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
]);

function redecodeUtf8(text: string): string {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const byte = code <= 0xff ? code : WINDOWS_1252_HIGH.get(code);
    if (byte === undefined) return text; // not a latin1 / windows-1252 mis-decoding
    bytes[i] = byte;
  }
  return utf8.decode(bytes);
}

function repairText(dataset: NaturalizedDataset, nested: boolean, utf8Charset: boolean): void {
  for (const [keyword, value] of Object.entries(dataset)) {
    const vr = DicomMetaDictionary.nameMap[keyword]?.vr;
    if (vr === undefined || value === null || value === undefined) continue;
    if (vr === 'SQ') {
      for (const item of Array.isArray(value) ? value : [value]) repairText(item as NaturalizedDataset, true, utf8Charset);
      continue;
    }
    if (!CHARSET_VRS.has(vr)) continue;
    let fixed: unknown = value;
    // ST/LT/UT are single-valued and may contain backslashes, but dcmjs splits them into several values.
    if (SINGLE_VALUED_TEXT_VRS.has(vr) && Array.isArray(fixed) && fixed.every((v) => typeof v === 'string')) fixed = fixed.join('\\');
    if (nested && utf8Charset) {
      fixed = typeof fixed === 'string' ? redecodeUtf8(fixed) : Array.isArray(fixed) ? fixed.map((v) => (typeof v === 'string' ? redecodeUtf8(v) : v)) : fixed;
    }
    if (fixed !== value) dataset[keyword] = fixed;
  }
}

/**
 * Part 10 bytes -> a naturalized dataset (keyword-keyed; the file meta group under `_meta`), for the readers of
 * our objects (SR record, SEG masks, pixels). Single-item sequences stay arrays (dcmjs adds accessors so
 * `seq.CodeValue` also reads item 0). Works around two dcmjs 0.52 read bugs: UTF-8 text inside sequences (decoded
 * as latin1) and backslashes in ST/LT/UT (split into values).
 */
export function readPart10(bytes: Uint8Array): NaturalizedDataset {
  const { dataset: raw } = parsePart10(bytes, { copy: true });
  const dataset: NaturalizedDataset = DicomMetaDictionary.naturalizeDataset(raw.dict);
  const charset = dataset.SpecificCharacterSet;
  repairText(dataset, false, charset === 'ISO_IR 192' || (Array.isArray(charset) && charset[0] === 'ISO_IR 192'));
  dataset._meta = DicomMetaDictionary.naturalizeDataset(raw.meta);
  return dataset;
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
