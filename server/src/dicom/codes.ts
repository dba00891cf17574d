/** A coded concept as DICOM code sequences carry it. */
export type Code = { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };

const sct = (CodeValue: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator: 'SCT', CodeMeaning });
const dcm = (CodeValue: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator: 'DCM', CodeMeaning });

/**
 * Every code our writers emit, in one place. Sources: SNOMED CT (SCT) and the DICOM Controlled Terminology (DCM,
 * PS3.16 Annex D); the finding codes are those of the chest CAD context groups (CID 6102/6104).
 */
export const CODES = {
  anatomicalStructure: sct('123037004', 'Anatomical Structure'),
  rightLung: sct('3341006', 'Right lung'),
  leftLung: sct('44029006', 'Left lung'),
  heart: sct('80891009', 'Heart'),
  nodule: sct('27925004', 'Nodule'),
  mass: sct('4147007', 'Mass'),
  /** No SCT "lung opacity" concept is verified here; DCM 112001 "Opacity" is the DICOM chest CAD finding (CID 6102). */
  opacity: dcm('112001', 'Opacity'),
  finding: dcm('121071', 'Finding'),
  impression: dcm('121073', 'Impression'),
  comment: dcm('121106', 'Comment'),
  studyInstanceUid: dcm('110180', 'Study Instance UID'),
  sourceSeries: dcm('121323', 'Source series for image processing operation'),
  sourceImage: dcm('121322', 'Source image for image processing operation'),
  segmentation: dcm('113076', 'Segmentation'),
  processingEquipment: dcm('109102', 'Processing Equipment'),
  observerType: dcm('121005', 'Observer Type'),
  device: dcm('121007', 'Device'),
  deviceObserverUid: dcm('121012', 'Device Observer UID'),
  deviceObserverName: dcm('121013', 'Device Observer Name'),
  deviceObserverModelName: dcm('121015', 'Device Observer Model Name'),
  trackingUid: dcm('112040', 'Tracking Unique Identifier'),
  qualitativeEvaluations: { CodeValue: 'C0034375', CodingSchemeDesignator: 'UMLS', CodeMeaning: 'Qualitative Evaluations' },
} as const satisfies Record<string, Code>;

/** Segment / anatomy codes by model channel label (docs/model-contract.md). */
export const ANATOMY_CODES: Readonly<Record<string, Code>> = {
  right_lung: CODES.rightLung,
  left_lung: CODES.leftLung,
  heart: CODES.heart,
};

/** Finding codes by box label; anatomy boxes use the anatomy codes. */
export const BOX_FINDING_CODES: Readonly<Record<string, Code>> = {
  ...ANATOMY_CODES,
  nodule: CODES.nodule,
  mass: CODES.mass,
  opacity: CODES.opacity,
};
