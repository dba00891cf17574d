import type { ConditionChannel } from '../conditions/conditionTypes.js';
import type { GenerationRecord } from './generationRecord.js';
import { buildSegmentation } from './buildSegmentation.js';
import { buildStructuredReport, type SourceStudyLink } from './buildStructuredReport.js';
import { buildSyntheticImage, type GrayImage16 } from './buildSyntheticImage.js';
import { masksFromRecord } from './masksFromRecord.js';
import { newSyntheticStudy } from './newSyntheticStudy.js';
import { toPart10 } from './toPart10.js';
import type { NaturalizedDataset, WriterContext } from './WriterContext.js';

/** One encoded object of a synthetic study. */
export type StudyObject = { kind: 'image' | 'seg' | 'sr'; sopInstanceUid: string; seriesInstanceUid: string; bytes: Uint8Array };

/** A complete synthetic study: the image, a SEG of the conditioning masks (when any) and the SR record. */
export type SyntheticStudy = { studyInstanceUid: string; patientId: string; objects: StudyObject[] };

function encode(kind: StudyObject['kind'], dataset: NaturalizedDataset): StudyObject {
  return { kind, sopInstanceUid: String(dataset.SOPInstanceUID), seriesInstanceUid: String(dataset.SeriesInstanceUID), bytes: toPart10(dataset) };
}

/**
 * Builds a new synthetic patient and study for one generated image: Secondary Capture image, SEG (only when the
 * record has masks) and the TID 1500 SR carrying boxes, report text and the full generation record. Nothing of a
 * source study is copied; `sourceStudy` (UIDs only) goes into the SR when the user asked for the link.
 */
export function assembleSyntheticStudy(options: {
  image: GrayImage16; record: GenerationRecord; channels: readonly ConditionChannel[]; ctx: WriterContext; sourceStudy?: SourceStudyLink;
}): SyntheticStudy {
  const { image, record, channels, ctx } = options;
  const study = newSyntheticStudy({ sex: record.sex, age: record.age }, ctx);
  const imageDs = buildSyntheticImage(image, study, record, ctx);
  const objects = [encode('image', imageDs)];
  const seg = buildSegmentation(masksFromRecord(record, channels), imageDs, study, record, ctx);
  if (seg !== null) objects.push(encode('seg', seg));
  objects.push(encode('sr', buildStructuredReport(record, channels, imageDs, study, ctx, { sourceStudy: options.sourceStudy })));
  return { studyInstanceUid: study.StudyInstanceUID, patientId: study.PatientID, objects };
}
