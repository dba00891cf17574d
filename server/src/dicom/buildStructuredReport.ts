import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';
import type { ConditionChannel } from '../conditions/conditionTypes.js';
import { boxToImagePolyline } from './boxToImagePolyline.js';
import { BOX_FINDING_CODES, CODES, type Code } from './codes.js';
import { dicomDateTime, UTC_OFFSET } from './dicomDateTime.js';
import { dicomString } from './dicomString.js';
import type { GenerationRecord } from './generationRecord.js';
import { markSynthetic, SYNTHETIC_WORD } from './markSynthetic.js';
import type { StudyIdentity } from './newSyntheticStudy.js';
import { resolveBoxLabel } from './resolveBoxLabel.js';
import type { NaturalizedDataset, WriterContext } from './WriterContext.js';

const { TID1500MeasurementReport, TID1501MeasurementGroup } = dcmjs.utilities.TID1500;
const { Polyline } = dcmjs.utilities.TID300;

/** Comprehensive 3D SR Storage. */
export const COMPREHENSIVE_3D_SR_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.88.34';
export const SR_SERIES_NUMBER = 3;

/** The study the request's boxes/masks were drawn on: UIDs only, nothing else of it is ever copied. */
export type SourceStudyLink = { StudyInstanceUID: string; SeriesInstanceUID?: string; SOPInstanceUID?: string };

type ContentItem = Record<string, unknown>;

// dcmjs writes a code sequence as an item or as a one-item array.
const conceptOf = (item: ContentItem): Partial<Code> | undefined => {
  const seq = item.ConceptNameCodeSequence;
  return (Array.isArray(seq) ? seq[0] : seq) as Partial<Code> | undefined;
};

const code = (c: Code): Code => ({ ...c });
const item = (relationship: string, valueType: string, concept: Code, value: ContentItem): ContentItem => ({
  RelationshipType: relationship, ValueType: valueType, ConceptNameCodeSequence: code(concept), ...value,
});

// A stable UID for the generating model as SR device observer: 2.25.<first 128 bits of sha256(model hash)>.
function deviceUid(record: GenerationRecord): string {
  const hex = createHash('sha256').update(`chexgen-device:${record.model.sha256}`).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

// TID 1004 device observer in place of dcmjs's "unknown^unknown" person observer.
function deviceObserver(record: GenerationRecord, ctx: WriterContext): ContentItem[] {
  return [
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'CODE', ConceptNameCodeSequence: code(CODES.observerType), ConceptCodeSequence: code(CODES.device) },
    item('HAS OBS CONTEXT', 'UIDREF', CODES.deviceObserverUid, { UID: deviceUid(record) }),
    item('HAS OBS CONTEXT', 'TEXT', CODES.deviceObserverName, { TextValue: dicomString(ctx.software.name, Infinity) }),
    item('HAS OBS CONTEXT', 'TEXT', CODES.deviceObserverModelName, { TextValue: dicomString(`${record.model.name} ${record.model.version}`, Infinity) }),
  ];
}

// dcmjs draws Tracking Unique Identifiers from Math.random; replace them, in document order, with ctx UIDs.
function replaceTrackingUids(node: unknown, ctx: WriterContext): void {
  if (Array.isArray(node)) {
    node.forEach((child) => replaceTrackingUids(child, ctx));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const entry = node as ContentItem;
  const concept = conceptOf(entry);
  if (entry.ValueType === 'UIDREF' && concept?.CodeValue === CODES.trackingUid.CodeValue && concept.CodingSchemeDesignator === 'DCM') {
    entry.UID = ctx.uid();
  }
  if (entry.ContentSequence !== undefined) replaceTrackingUids(entry.ContentSequence, ctx);
}

// JSON with every non-ASCII character as a \uXXXX escape: the item then reads back intact even in toolkits that
// mishandle the character set (dcmjs decodes text inside sequences as latin1).
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function qualitativeEvaluations(record: GenerationRecord, sourceStudy: SourceStudyLink | undefined): ContentItem {
  const children: ContentItem[] = [];
  if (record.text.trim() !== '') children.push(item('CONTAINS', 'TEXT', CODES.impression, { TextValue: record.text }));
  children.push(item('CONTAINS', 'TEXT', CODES.comment, { TextValue: asciiJson(record) }));
  if (sourceStudy !== undefined) {
    children.push(item('CONTAINS', 'UIDREF', CODES.studyInstanceUid, { UID: sourceStudy.StudyInstanceUID }));
    if (sourceStudy.SeriesInstanceUID !== undefined) children.push(item('CONTAINS', 'UIDREF', CODES.sourceSeries, { UID: sourceStudy.SeriesInstanceUID }));
    if (sourceStudy.SOPInstanceUID !== undefined) children.push(item('CONTAINS', 'UIDREF', CODES.sourceImage, { UID: sourceStudy.SOPInstanceUID }));
  }
  return { ...item('CONTAINS', 'CONTAINER', CODES.qualitativeEvaluations, {}), ContinuityOfContent: 'SEPARATE', ContentSequence: children };
}

/**
 * A TID 1500 Measurement Report (Comprehensive 3D SR) for one synthetic image, built with dcmjs's TID1500 and
 * TID300 Polyline:
 * - one measurement group per condition box: a closed 5-point polyline on the synthetic image (source coordinates
 *   scaled by Columns / sourceWidth, Rows / sourceHeight), its area in pixels and a Finding code (codes.ts);
 * - Qualitative Evaluations: the report text (DCM 121073 Impression), the complete generation record as JSON
 *   (DCM 121106 Comment; {@link parseGenerationRecordFromSr} reads it back), and, only when given, the source
 *   study link as UIDREF items (DCM 110180 Study Instance UID, 121323 source series, 121322 source image);
 * - the generating model as device observer. UIDs from `ctx`: series, SOP, then one tracking UID per box.
 */
export function buildStructuredReport(
  record: GenerationRecord,
  channels: readonly Pick<ConditionChannel, 'kind' | 'label'>[],
  referencedImage: NaturalizedDataset,
  study: StudyIdentity,
  ctx: WriterContext,
  options: { sourceStudy?: SourceStudyLink } = {},
): NaturalizedDataset {
  const { SOPClassUID, SOPInstanceUID, SeriesInstanceUID, StudyInstanceUID, Rows, Columns } = referencedImage;
  if (typeof SOPClassUID !== 'string' || typeof SOPInstanceUID !== 'string' || typeof SeriesInstanceUID !== 'string') {
    throw new Error('buildStructuredReport: the referenced image needs SOPClassUID, SOPInstanceUID and SeriesInstanceUID');
  }
  if (typeof Rows !== 'number' || typeof Columns !== 'number') throw new Error('buildStructuredReport: the referenced image needs Rows and Columns');
  if (StudyInstanceUID !== study.StudyInstanceUID) throw new Error('buildStructuredReport: the referenced image belongs to another study');
  const seriesUid = ctx.uid();
  const sopUid = ctx.uid();
  const { date, time } = dicomDateTime(ctx.now());
  const referencedSop = { ReferencedSOPClassUID: SOPClassUID, ReferencedSOPInstanceUID: SOPInstanceUID };

  const { boxes, sourceWidth, sourceHeight } = record.conditions;
  const polylines = boxes.map((box, i) => {
    const label = resolveBoxLabel(box.label, channels);
    const points = boxToImagePolyline(box, { sourceWidth, sourceHeight }, { columns: Columns, rows: Rows });
    const area = Math.abs((points[2].x - points[0].x) * (points[2].y - points[0].y));
    const finding = BOX_FINDING_CODES[label];
    return new Polyline({
      points,
      area: Number(area.toPrecision(10)), // DS: at most 16 characters
      areaUnit: 'px\u00b2',
      ReferencedSOPSequence: referencedSop,
      ...(finding === undefined ? {} : { finding: code(finding) }),
      trackingIdentifierTextValue: dicomString(`chexgen box ${i + 1}: ${label}`, 64),
    });
  });
  const report = new TID1500MeasurementReport({
    TID1501MeasurementGroups: polylines.length > 0 ? [new TID1501MeasurementGroup(polylines)] : undefined,
  });
  const raw = report.contentItem({ StudyInstanceUID: study.StudyInstanceUID, SeriesInstanceUID });
  if (report.ImageLibraryContentSequence.length === 0) {
    // No boxes: still list the image the report is about, and name it as evidence.
    report.ImageLibraryContentSequence.push({ RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: referencedSop });
    report.CurrentRequestedProcedureEvidenceSequence.push({
      StudyInstanceUID: study.StudyInstanceUID,
      ReferencedSeriesSequence: { SeriesInstanceUID, ReferencedSOPSequence: referencedSop },
    });
  }
  // Plain data from here on (dcmjs returns Proxy-wrapped single-item sequences).
  const tid1500 = JSON.parse(JSON.stringify(raw)) as ContentItem & { ContentSequence: ContentItem[] };
  delete tid1500.CodingSchemeIdentificationSequence; // dcmjs's private '99dcmjs' scheme, unused here
  const content = tid1500.ContentSequence.flatMap((child) =>
    conceptOf(child)?.CodeValue === '121008' ? deviceObserver(record, ctx) : [child], // dcmjs's Person Observer Name
  );
  replaceTrackingUids(content, ctx);
  content.push(qualitativeEvaluations(record, options.sourceStudy));

  const dataset: NaturalizedDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_3D_SR_SOP_CLASS_UID,
    SOPInstanceUID: sopUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    TimezoneOffsetFromUTC: UTC_OFFSET,
    ...study,
    Modality: 'SR',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: SR_SERIES_NUMBER,
    SeriesDate: date,
    SeriesTime: time,
    SeriesDescription: dicomString(`${SYNTHETIC_WORD} generation report - ${record.model.name} ${record.model.version}`, 64),
    Manufacturer: dicomString(ctx.software.name, 64),
    SoftwareVersions: dicomString(ctx.software.version, 64),
    ...tid1500,
    ValueType: 'CONTAINER',
    ContentDate: date,
    ContentTime: time,
    InstanceNumber: 1,
    ContentSequence: content,
  };
  return markSynthetic(dataset, record);
}
