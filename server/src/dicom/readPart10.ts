import dcmjs from 'dcmjs';
import type { NaturalizedDataset } from './WriterContext.js';

const { DicomMetaDictionary, DicomMessage } = dcmjs.data;

// VRs whose text is encoded in the Specific Character Set, and the single-valued ones among them.
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);
const SINGLE_VALUED_TEXT_VRS = new Set(['ST', 'LT', 'UT']);
const utf8 = new TextDecoder('utf-8');

// dcmjs 0.52 reads sequence items through fresh streams that decode text as latin1 whatever the Specific Character
// Set says; Node's latin1 decoder maps bytes 1:1 to U+0000-U+00FF, so the bytes are recoverable.
function redecodeUtf8(text: string): string {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return text; // not a latin1 mis-decoding
    bytes[i] = code;
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
 * Part 10 bytes -> a naturalized dataset (keyword-keyed; the file meta group under `_meta`). Single-item
 * sequences stay arrays (dcmjs adds accessors so `seq.CodeValue` also reads item 0). Works around two dcmjs 0.52
 * read bugs: UTF-8 text inside sequences (decoded as latin1) and backslashes in ST/LT/UT (split into values).
 */
export function readPart10(bytes: Uint8Array): NaturalizedDataset {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const { meta, dict } = DicomMessage.readFile(buffer);
  const dataset: NaturalizedDataset = DicomMetaDictionary.naturalizeDataset(dict);
  const charset = dataset.SpecificCharacterSet;
  repairText(dataset, false, charset === 'ISO_IR 192' || (Array.isArray(charset) && charset[0] === 'ISO_IR 192'));
  dataset._meta = DicomMetaDictionary.naturalizeDataset(meta);
  return dataset;
}
