import { describe, expect, it } from 'vitest';
import { fixedContext, fixtureImage, fixtureRecord, MODEL_CHANNELS } from '../../../test/fixtures/dicom/syntheticFixtures.js';
import { ChexgenError } from '../errors.js';
import { buildStructuredReport, COMPREHENSIVE_3D_SR_SOP_CLASS_UID, type SourceStudyLink } from './buildStructuredReport.js';
import { buildSyntheticImage } from './buildSyntheticImage.js';
import type { GenerationRecord } from './generationRecord.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { parseGenerationRecordFromSr } from './parseGenerationRecordFromSr.js';
import { readPart10 } from './readPart10.js';
import { toPart10 } from './toPart10.js';

type Item = Record<string, unknown>;

function build(record: GenerationRecord = fixtureRecord(), sourceStudy?: SourceStudyLink) {
  const ctx = fixedContext();
  const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
  const image = buildSyntheticImage(fixtureImage(), study, record, ctx);
  const sr = buildStructuredReport(record, MODEL_CHANNELS, image, study, ctx, sourceStudy === undefined ? {} : { sourceStudy });
  return { sr, image, study };
}

function* walk(items: unknown): Generator<Item> {
  for (const item of (Array.isArray(items) ? items : items === undefined ? [] : [items]) as Item[]) {
    yield item;
    yield* walk(item.ContentSequence);
  }
}

// A code sequence may be an item or a one-item array (dcmjs's accessor arrays).
const first = (seq: unknown): { CodeValue?: string } | undefined => (Array.isArray(seq) ? seq[0] : seq) as { CodeValue?: string } | undefined;
const conceptOf = (item: Item): string | undefined => first(item.ConceptNameCodeSequence)?.CodeValue;

describe('buildStructuredReport', () => {
  it('when written and read back, then the generation record parses back deep-equal, non-ASCII text included', () => {
    const record = { ...fixtureRecord(), text: 'Größe ≥ 2 cm, "quoted" \\ backslash, 日本' };
    const back = parseGenerationRecordFromSr(readPart10(toPart10(build(record).sr)));
    expect(back).toEqual(record);
  });

  it('when built twice with a fixed context, then the bytes are identical (dcmjs tracking UIDs replaced)', () => {
    const a = toPart10(build().sr);
    expect(Buffer.from(a).equals(Buffer.from(toPart10(build().sr)))).toBe(true);
    const trackingUids = [...walk(build().sr.ContentSequence)].filter((i) => conceptOf(i) === '112040').map((i) => i.UID);
    expect(trackingUids).toEqual(['2.25.1000006', '2.25.1000007']); // after study, image series/SOP, SR series/SOP
  });

  it('when boxes are given, then each is a closed polyline in image pixels with its finding code', () => {
    const { sr, image } = build();
    expect(sr).toMatchObject({ SOPClassUID: COMPREHENSIVE_3D_SR_SOP_CLASS_UID, Modality: 'SR', SyntheticData: 'YES', ValueType: 'CONTAINER' });
    const items = [...walk(sr.ContentSequence)];
    const scoords = items.filter((i) => i.ValueType === 'SCOORD');
    // nodule (280.5, 350)-(344, 412.25) on a 1024 source -> 512 image: factor 0.5
    expect(scoords[0].GraphicType).toBe('POLYLINE');
    expect(scoords[0].GraphicData).toEqual([140.25, 175, 172, 175, 172, 206.125, 140.25, 206.125, 140.25, 175]);
    expect(scoords[1].GraphicData).toEqual([215, 260, 360, 260, 360, 390, 215, 390, 215, 260]);
    const findings = items.filter((i) => conceptOf(i) === '121071').map((i) => first(i.ConceptCodeSequence)?.CodeValue);
    expect(findings).toEqual(['27925004', '80891009']);
    const images = items.filter((i) => i.ValueType === 'IMAGE');
    expect(images.length).toBeGreaterThan(0);
    for (const i of images) expect(i.ReferencedSOPSequence).toMatchObject({ ReferencedSOPInstanceUID: image.SOPInstanceUID });
    expect(JSON.stringify(sr)).not.toContain('99dcmjs');
    expect(JSON.stringify(sr)).not.toContain('unknown^unknown');
  });

  it('when synonyms are used for labels, then they map to the model classes (pneumonia -> opacity); 0 stays 0', () => {
    const record = fixtureRecord({ boxes: [{ label: 'Pneumonia', x0: 0, y0: 100, x1: 200, y1: 200 }] });
    const items = [...walk(build(record).sr.ContentSequence)];
    expect(items.find((i) => i.ValueType === 'SCOORD')?.GraphicData).toEqual([0, 50, 100, 50, 100, 100, 0, 100, 0, 50]);
    const findings = items.filter((i) => conceptOf(i) === '121071');
    expect(findings.map((i) => first(i.ConceptCodeSequence))).toEqual([{ CodeValue: '112001', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Opacity' }]);
  });

  it('when there are no boxes, then the image is still listed and referenced as evidence', () => {
    const { sr, image } = build(fixtureRecord({ boxes: [] }));
    const items = [...walk(sr.ContentSequence)];
    expect(items.some((i) => i.ValueType === 'SCOORD')).toBe(false);
    expect(items.filter((i) => i.ValueType === 'IMAGE')).toHaveLength(1);
    expect(sr.CurrentRequestedProcedureEvidenceSequence).toMatchObject([{ StudyInstanceUID: image.StudyInstanceUID }]);
  });

  it('when a source study is given, then only its UIDs appear, only in the SR content; otherwise nothing of it', () => {
    const source = { StudyInstanceUID: '1.2.3.4', SeriesInstanceUID: '1.2.3.4.5', SOPInstanceUID: '1.2.3.4.5.6' };
    const linked = [...walk(build(fixtureRecord(), source).sr.ContentSequence)].filter((i) => i.ValueType === 'UIDREF');
    expect(linked.filter((i) => ['110180', '121323', '121322'].includes(conceptOf(i) ?? '')).map((i) => i.UID)).toEqual(['1.2.3.4', '1.2.3.4.5', '1.2.3.4.5.6']);
    const { sr, study } = build();
    expect(JSON.stringify(sr)).not.toContain('1.2.3.4');
    expect(sr.StudyInstanceUID).toBe(study.StudyInstanceUID);
  });

  it('when the report text is given, then it is an Impression TEXT item', () => {
    const impression = [...walk(build().sr.ContentSequence)].find((i) => conceptOf(i) === '121073');
    expect(impression?.TextValue).toBe(fixtureRecord().text);
  });
});

describe('parseGenerationRecordFromSr', () => {
  it('when the SR has no record, then null; when the record is broken, then INVALID_FIELD', () => {
    expect(parseGenerationRecordFromSr({ ContentSequence: [] })).toBeNull();
    const broken = (text: string) => ({
      ContentSequence: [{ ValueType: 'TEXT', ConceptNameCodeSequence: [{ CodeValue: '121106', CodingSchemeDesignator: 'DCM' }], TextValue: text }],
    });
    expect(() => parseGenerationRecordFromSr(broken('{"kind":"chexgen-generation-record",'))).toThrow(ChexgenError);
    expect(() => parseGenerationRecordFromSr(broken('{"kind":"chexgen-generation-record","version":2}'))).toThrow(/invalid at "version"/);
  });
});
