import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import type { DicomJsonDataset } from '../dicom/dicomJson.js';
import { applyQidoFilter, matchesAttribute, MAX_QIDO_FILTERS, MAX_MATCH_VALUE_LENGTH, MAX_WILDCARDS, parseQidoQuery } from './qidoMatching.js';

const study = (uid: string, name: string, date: string, modalities: string[]): DicomJsonDataset => ({
  '0020000D': { vr: 'UI', Value: [uid] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
  '00080020': { vr: 'DA', Value: [date] },
  '00080061': { vr: 'CS', Value: modalities },
});
const studies = [
  study('1.1', 'Doe^Jane', '20240105', ['DX']),
  study('1.2', 'Roe^Rick', '20240301', ['DX', 'SEG']),
  study('1.3', 'Doe^John', '20231231', ['SR']),
];
const uids = (results: DicomJsonDataset[]): unknown[] => results.map((result) => result['0020000D'].Value?.[0]);

describe('QIDO matching', () => {
  it('when PatientName has wildcards, then matching is case-insensitive on the Alphabetic group', () => {
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ PatientName: '*doe*' })))).toEqual(['1.1', '1.3']);
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ '00100010': 'Roe^R?ck' })))).toEqual(['1.2']);
  });

  it('when StudyDate is a range, then open and closed ranges work', () => {
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ StudyDate: '20240101-20240131' })))).toEqual(['1.1']);
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ StudyDate: '20240101-' })))).toEqual(['1.1', '1.2']);
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ StudyDate: '-20231231' })))).toEqual(['1.3']);
  });

  it('when UIDs or modalities are lists, then any listed value matches', () => {
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ StudyInstanceUID: '1.3,1.1' })))).toEqual(['1.1', '1.3']);
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ ModalitiesInStudy: 'SEG\\SR' })))).toEqual(['1.2', '1.3']);
  });

  it('when limit and offset are given, then they page after filtering; includefield is ignored', () => {
    expect(uids(applyQidoFilter(studies, parseQidoQuery({ limit: 1, offset: 1, includefield: 'all' })))).toEqual([
      '1.2',
    ]);
  });

  it('when an attribute is absent, then only the universal match accepts the dataset', () => {
    expect(matchesAttribute({}, '00100020', '')).toBe(true);
    expect(matchesAttribute({}, '00100020', 'P1')).toBe(false);
  });

  it('when limit is not a non-negative integer, then INVALID_FIELD names it', () => {
    expect(() => parseQidoQuery({ limit: '-1' })).toThrow(ChexgenError);
    expect(() => parseQidoQuery({ offset: 'x' })).toThrow(/offset must be a non-negative integer/);
  });

  it('when the reported nine-star pattern meets a long PatientName, then the search answers (no match) instead of freezing', () => {
    const long = [study('1.9', `${'a'.repeat(60)}^x`, '20240101', ['DX'])];
    expect(uids(applyQidoFilter(long, parseQidoQuery({ PatientName: `*${'a*'.repeat(9)}b` })))).toEqual([]);
    expect(uids(applyQidoFilter(long, parseQidoQuery({ PatientName: `*${'a*'.repeat(9)}x` })))).toEqual(['1.9']);
  });

  it('when a value holds more wildcards than the cap, then INVALID_FIELD names the key and the rule', () => {
    const pattern = '*'.repeat(MAX_WILDCARDS + 1);
    const error = (() => { try { parseQidoQuery({ PatientName: pattern }); } catch (e) { return e; } })() as ChexgenError;
    expect(error).toBeInstanceOf(ChexgenError);
    expect(error.status).toBe(400);
    expect(error.field).toBe('PatientName');
    expect(error.message).toContain(`at most ${MAX_WILDCARDS} wildcards`);
    expect(() => parseQidoQuery({ PatientName: '*'.repeat(MAX_WILDCARDS) })).not.toThrow();
  });

  it('when a value is longer than the cap, then INVALID_FIELD names the key', () => {
    expect(() => parseQidoQuery({ StudyDescription: 'x'.repeat(MAX_MATCH_VALUE_LENGTH + 1) })).toThrow(/StudyDescription: at most \d+ characters/);
  });

  it('when a query has more attribute filters than the cap, then INVALID_FIELD names the query', () => {
    const keys = ['PatientName', 'PatientID', 'StudyDate', 'StudyTime', 'AccessionNumber', 'StudyDescription', 'ModalitiesInStudy', 'StudyInstanceUID', 'StudyID', 'PatientSex', 'PatientAge', 'PatientBirthDate', 'ReferringPhysicianName', 'SeriesNumber', 'SeriesInstanceUID', 'Modality', 'SOPInstanceUID'];
    const query = Object.fromEntries(keys.slice(0, MAX_QIDO_FILTERS + 1).map((k) => [k, '*']));
    expect(() => parseQidoQuery(query)).toThrow(new RegExp(`at most ${MAX_QIDO_FILTERS} attribute filters`));
  });
});
