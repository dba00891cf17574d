import { ChexgenError } from '../errors.js';
import type { QidoQuery } from './DicomStore.js';
import { TAG, type DicomJsonDataset } from '../dicom/dicomJson.js';
import { wildcardMatch } from './wildcardMatch.js';

/** Attributes each QIDO-RS level returns (PS3.18 Table 10.6.3-3 and friends, minus what we never store). */
export const QIDO_STUDY_TAGS: readonly string[] = [
  TAG.SpecificCharacterSet,
  TAG.StudyDate,
  TAG.StudyTime,
  TAG.AccessionNumber,
  TAG.ModalitiesInStudy,
  TAG.ReferringPhysicianName,
  TAG.StudyDescription,
  TAG.PatientName,
  TAG.PatientID,
  TAG.PatientBirthDate,
  TAG.PatientSex,
  TAG.PatientAge,
  TAG.StudyInstanceUID,
  TAG.StudyID,
  TAG.NumberOfStudyRelatedSeries,
  TAG.NumberOfStudyRelatedInstances,
];
export const QIDO_SERIES_TAGS: readonly string[] = [
  TAG.SpecificCharacterSet,
  TAG.StudyDate,
  TAG.StudyTime,
  TAG.AccessionNumber,
  TAG.StudyDescription,
  TAG.PatientName,
  TAG.PatientID,
  TAG.StudyInstanceUID,
  TAG.SeriesDate,
  TAG.SeriesTime,
  TAG.Modality,
  TAG.SeriesDescription,
  TAG.BodyPartExamined,
  TAG.SeriesInstanceUID,
  TAG.SeriesNumber,
  TAG.PerformedProcedureStepStartDate,
  TAG.NumberOfSeriesRelatedInstances,
];
export const QIDO_INSTANCE_TAGS: readonly string[] = [
  TAG.SpecificCharacterSet,
  TAG.StudyDate,
  TAG.PatientName,
  TAG.PatientID,
  TAG.StudyInstanceUID,
  TAG.Modality,
  TAG.SeriesInstanceUID,
  TAG.SeriesNumber,
  TAG.SOPClassUID,
  TAG.SOPInstanceUID,
  TAG.ImageType,
  TAG.InstanceNumber,
  TAG.NumberOfFrames,
  TAG.Rows,
  TAG.Columns,
  TAG.BitsAllocated,
];

/**
 * Caps on a QIDO query: characters in one match value (a DICOM person name is at most 3 x 64), `*` and `?` in one
 * value, and attribute filters per query. With them a search costs at most a few thousand comparisons per dataset.
 */
export const MAX_MATCH_VALUE_LENGTH = 256;
export const MAX_WILDCARDS = 16;
export const MAX_QIDO_FILTERS = 16;

/** Query parameters that are not attribute filters. */
const CONTROL_PARAMETERS = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);
const TAG_BY_KEYWORD = new Map(Object.entries(TAG).map(([keyword, tag]) => [keyword.toLowerCase(), tag]));

/** A parsed QIDO query: attribute filters by tag plus paging. */
export type QidoFilter = { filters: { tag: string; value: string }[]; limit: number | undefined; offset: number };

/**
 * Reads attribute filters (by keyword, case-insensitive, or 8-digit hex tag) and `limit`/`offset`. Parameters
 * this store does not know, `includefield` and `fuzzymatching` are ignored, as PS3.18 8.3.4 allows.
 *
 * @throws ChexgenError INVALID_FIELD (400) for a `limit`/`offset` that is not a non-negative integer, and for a match
 * value or query beyond {@link MAX_MATCH_VALUE_LENGTH}, {@link MAX_WILDCARDS} or {@link MAX_QIDO_FILTERS}, naming the key.
 */
export function parseQidoQuery(query: QidoQuery = {}): QidoFilter {
  const filters: { tag: string; value: string }[] = [];
  let limit: number | undefined;
  let offset = 0;
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const name = key.toLowerCase();
    const value = String(raw);
    if (name === 'limit') limit = nonNegativeInteger(value, 'limit');
    else if (name === 'offset') offset = nonNegativeInteger(value, 'offset');
    else if (!CONTROL_PARAMETERS.has(name)) {
      const tag = /^[0-9a-f]{8}$/.test(name) ? name.toUpperCase() : TAG_BY_KEYWORD.get(name);
      if (tag !== undefined) filters.push({ tag, value: checkedMatchValue(key, value) });
    }
  }
  if (filters.length > MAX_QIDO_FILTERS) {
    throw new ChexgenError('INVALID_FIELD', `query: at most ${MAX_QIDO_FILTERS} attribute filters, got ${filters.length}`, { field: 'query', status: 400 });
  }
  return { filters, limit, offset };
}

/** Applies the filters, then `offset` and `limit`, to results already in their final order. */
export function applyQidoFilter(results: readonly DicomJsonDataset[], filter: QidoFilter): DicomJsonDataset[] {
  const matching = results.filter((dataset) =>
    filter.filters.every(({ tag, value }) => matchesAttribute(dataset, tag, value)),
  );
  return matching.slice(filter.offset, filter.limit === undefined ? undefined : filter.offset + filter.limit);
}

/**
 * DICOM attribute matching (PS3.4 C.2.2.2), simplified: empty value = universal match; UIDs by list; DA/DT/TM by
 * range `a-b`; other values with `*`/`?` wildcards, case-insensitive. A multi-valued attribute matches if any value
 * does, which gives ModalitiesInStudy its meaning.
 */
export function matchesAttribute(dataset: DicomJsonDataset, tag: string, query: string): boolean {
  if (query === '' || query === '*') return true;
  const element = dataset[tag];
  const values = (element?.Value ?? []).map(valueText).filter((value): value is string => value !== undefined);
  if (values.length === 0) return false;
  if (element?.vr === 'UI' || tag === TAG.ModalitiesInStudy) {
    const wanted = query.split(/[\\,]/).map((item) => item.trim().toLowerCase());
    return values.some((value) => wanted.includes(value.toLowerCase()));
  }
  if ((element?.vr === 'DA' || element?.vr === 'TM' || element?.vr === 'DT') && query.includes('-')) {
    const [from, to] = query.split('-', 2);
    return values.some((value) => (from === '' || value >= from) && (to === '' || value.slice(0, to.length) <= to));
  }
  const pattern = query.toLowerCase();
  return values.some((value) => wildcardMatch(pattern, value.toLowerCase()));
}

function valueText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') {
    const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic : undefined;
  }
  return String(value);
}

function checkedMatchValue(key: string, value: string): string {
  const field = key.slice(0, 64);
  if (value.length > MAX_MATCH_VALUE_LENGTH) {
    throw new ChexgenError('INVALID_FIELD', `${field}: at most ${MAX_MATCH_VALUE_LENGTH} characters in a match value, got ${value.length}`, { field, status: 400 });
  }
  const wildcards = value.replace(/[^*?]/g, '').length;
  if (wildcards > MAX_WILDCARDS) {
    throw new ChexgenError('INVALID_FIELD', `${field}: at most ${MAX_WILDCARDS} wildcards (* and ?) in a match value, got ${wildcards}`, { field, status: 400 });
  }
  return value;
}

function nonNegativeInteger(value: string, field: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw new ChexgenError('INVALID_FIELD', `${field} must be a non-negative integer, got ${JSON.stringify(value)}`, {
      field,
      status: 400,
    });
  }
  return number;
}
