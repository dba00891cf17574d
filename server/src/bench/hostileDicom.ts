import { randomBytes } from 'node:crypto';
import { CODES } from '../dicom/codes.js';
import { SEGMENTATION_SOP_CLASS_UID } from '../dicom/buildSegmentation.js';
import { toPart10 } from '../dicom/toPart10.js';

/** DICOM objects whose headers lie about their size: the fuzz run's "header-size DICOM" and "SEG size lies". */
export type HostileInstance = { bytes: Uint8Array; studyUid: string; seriesUid: string; sopUid: string };

const newUid = (): string => `2.25.${BigInt(`0x${randomBytes(15).toString('hex')}`)}`;

function identity(overrides: { studyUid?: string } = {}) {
  return { studyUid: overrides.studyUid ?? newUid(), seriesUid: newUid(), sopUid: newUid() };
}

/**
 * A Secondary Capture of 8 x 8 8-bit pixels, one frame's worth of Pixel Data, whose header claims `frames` frames
 * (default 2^31): under 1 KB that asks a careless reader to allocate for billions of frames.
 */
export function frameCountLie(options: { frames?: number; studyUid?: string } = {}): HostileInstance {
  const ids = identity(options);
  const bytes = toPart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.3',
    SOPInstanceUID: ids.sopUid, StudyInstanceUID: ids.studyUid, SeriesInstanceUID: ids.seriesUid,
    PatientName: 'Hostile^Frames', PatientID: 'HF1', Modality: 'OT', SeriesNumber: 1, InstanceNumber: 1,
    SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', Rows: 8, Columns: 8,
    BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0,
    NumberOfFrames: String(options.frames ?? 2 ** 31),
    PixelData: new Uint8Array(8 * 8).buffer, _vrMap: { PixelData: 'OB' },
  });
  return { bytes, ...ids };
}

/**
 * A BINARY SEG with one right-lung segment whose header claims `rows` x `columns` frames (default 8192 x 8192) but
 * holds 64 bytes of Pixel Data: about 1 KB that asks a careless reader for a 64-megapixel mask.
 */
export function segSizeLie(options: { rows?: number; columns?: number; frames?: number; studyUid?: string } = {}): HostileInstance {
  const ids = identity(options);
  const frames = options.frames ?? 1;
  const bytes = toPart10({
    SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    SOPInstanceUID: ids.sopUid, StudyInstanceUID: ids.studyUid, SeriesInstanceUID: ids.seriesUid,
    PatientName: 'Hostile^Seg', PatientID: 'HS1', Modality: 'SEG', SeriesNumber: 2, InstanceNumber: 1,
    SegmentationType: 'BINARY', SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
    Rows: options.rows ?? 8192, Columns: options.columns ?? 8192, NumberOfFrames: String(frames),
    BitsAllocated: 1, BitsStored: 1, HighBit: 0, PixelRepresentation: 0,
    SegmentSequence: [{
      SegmentNumber: 1, SegmentLabel: 'right lung', SegmentAlgorithmType: 'MANUAL',
      SegmentedPropertyCategoryCodeSequence: [CODES.anatomicalStructure],
      SegmentedPropertyTypeCodeSequence: [CODES.rightLung],
    }],
    PerFrameFunctionalGroupsSequence: Array.from({ length: Math.min(frames, 4) }, () => ({
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }],
    })),
    PixelData: new Uint8Array(64).buffer, _vrMap: { PixelData: 'OB' },
  });
  return { bytes, ...ids };
}

/**
 * A SEG that is honest about its size but too large to use as a mask: `rows` x `columns` one-bit frames with every
 * byte of Pixel Data present (default 4100 x 4100, 2.1 MB, past the default CHEXGEN_MAX_MASK_PIXELS). A store
 * takes it; a synthesis naming it must be refused by the mask limits.
 */
export function oversizedSeg(options: { rows?: number; columns?: number; studyUid?: string } = {}): HostileInstance {
  const rows = options.rows ?? 4100;
  const columns = options.columns ?? 4100;
  const ids = identity(options);
  const packed = Math.ceil((rows * columns) / 8);
  const bytes = toPart10({
    SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    SOPInstanceUID: ids.sopUid, StudyInstanceUID: ids.studyUid, SeriesInstanceUID: ids.seriesUid,
    PatientName: 'Oversized^Seg', PatientID: 'OS1', Modality: 'SEG', SeriesNumber: 2, InstanceNumber: 1,
    SegmentationType: 'BINARY', SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows, Columns: columns, NumberOfFrames: '1', BitsAllocated: 1, BitsStored: 1, HighBit: 0, PixelRepresentation: 0,
    SegmentSequence: [{
      SegmentNumber: 1, SegmentLabel: 'heart', SegmentAlgorithmType: 'MANUAL',
      SegmentedPropertyCategoryCodeSequence: [CODES.anatomicalStructure], SegmentedPropertyTypeCodeSequence: [CODES.heart],
    }],
    PerFrameFunctionalGroupsSequence: [{ SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }] }],
    PixelData: new Uint8Array(packed + (packed % 2)).fill(0x0f).buffer, _vrMap: { PixelData: 'OB' },
  });
  return { bytes, ...ids };
}

/** An honest 8 x 8 image of a patient with a 63-letter name: something for QIDO wildcard patterns to work on. */
export function wildcardDecoy(): HostileInstance {
  const ids = identity();
  const bytes = toPart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: ids.sopUid, StudyInstanceUID: ids.studyUid, SeriesInstanceUID: ids.seriesUid,
    PatientName: `${'a'.repeat(58)}^aaaa`, PatientID: 'a'.repeat(60), StudyDescription: 'a'.repeat(60), Modality: 'OT', SeriesNumber: 1, InstanceNumber: 1,
    SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', Rows: 8, Columns: 8, BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0,
    PixelData: new Uint8Array(64).buffer, _vrMap: { PixelData: 'OB' },
  });
  return { bytes, ...ids };
}
