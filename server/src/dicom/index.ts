// The DICOM writers: pure (input, context) -> naturalized dataset; toPart10 is the only encoder.
export type { NaturalizedDataset, SoftwareIdentity, WriterContext } from './WriterContext.js';
export { createUidGenerator, uuidToUid } from './createUidGenerator.js';
export { createWriterContext } from './createWriterContext.js';
export { newSyntheticStudy, type StudyIdentity } from './newSyntheticStudy.js';
export { markSynthetic } from './markSynthetic.js';
export { buildSyntheticImage, SECONDARY_CAPTURE_SOP_CLASS_UID } from './buildSyntheticImage.js';
export { masksFromRecord } from './masksFromRecord.js';
export { generationRecordSchema, type GenerationRecord, type Resampling } from './generationRecord.js';
export { buildSegmentation, SEGMENTATION_SOP_CLASS_UID } from './buildSegmentation.js';
export { buildStructuredReport, COMPREHENSIVE_3D_SR_SOP_CLASS_UID, type SourceStudyLink } from './buildStructuredReport.js';
export { parseGenerationRecordFromSr } from './parseGenerationRecordFromSr.js';
export { toPart10 } from './toPart10.js';
export { readPart10 } from './readPart10.js';
