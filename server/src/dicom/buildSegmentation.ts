import { normaliseLabel } from '../conditions/conditionLabels.js';
import type { BinaryMask } from '../conditions/conditionTypes.js';
import { resampleMask } from '../conditions/resampleMask.js';
import { ANATOMY_CODES, CODES } from './codes.js';
import { dicomDateTime, UTC_OFFSET } from './dicomDateTime.js';
import { dicomString } from './dicomString.js';
import type { GenerationRecord } from './generationRecord.js';
import { markSynthetic, SYNTHETIC_WORD } from './markSynthetic.js';
import type { StudyIdentity } from './newSyntheticStudy.js';
import { packBits } from './packBits.js';
import type { NaturalizedDataset, WriterContext } from './WriterContext.js';

/** Segmentation Storage. */
export const SEGMENTATION_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
export const SEGMENTATION_SERIES_NUMBER = 2;
// (0062,000B) Referenced Segment Number inside (0062,000A) Segment Identification Sequence: the only dimension.
const REFERENCED_SEGMENT_NUMBER_TAG = 0x0062000b;
const SEGMENT_IDENTIFICATION_SEQUENCE_TAG = 0x0062000a;

// Recommended display colours as DICOM CIELab (L*, a*, b* scaled to 0..65535) of sRGB
// right lung (128,174,128), left lung (241,214,145), heart (206,110,84).
const DISPLAY_LAB: Readonly<Record<string, [number, number, number]>> = {
  right_lung: [43803, 26565, 37724],
  left_lung: [56639, 32898, 42535],
  heart: [37352, 42014, 40960],
};

// What the SEG takes from the synthetic image dataset: its identity, size and orientation.
function referenceOf(image: NaturalizedDataset, study: StudyIdentity) {
  const { SOPClassUID, SOPInstanceUID, SeriesInstanceUID, StudyInstanceUID, Rows, Columns, PatientOrientation } = image;
  if (typeof SOPClassUID !== 'string' || typeof SOPInstanceUID !== 'string' || typeof SeriesInstanceUID !== 'string') {
    throw new Error('buildSegmentation: the referenced image needs SOPClassUID, SOPInstanceUID and SeriesInstanceUID');
  }
  if (typeof Rows !== 'number' || typeof Columns !== 'number') throw new Error('buildSegmentation: the referenced image needs Rows and Columns');
  if (StudyInstanceUID !== study.StudyInstanceUID) throw new Error('buildSegmentation: the referenced image belongs to another study');
  // The frames share the image's pixel grid, hence its orientation (Type 2C: no plane orientation without a FoR).
  const orientation = Array.isArray(PatientOrientation) && PatientOrientation.every((v) => typeof v === 'string')
    ? [...(PatientOrientation as string[])]
    : '';
  return { SOPClassUID, SOPInstanceUID, SeriesInstanceUID, rows: Rows, columns: Columns, orientation };
}

/**
 * A BINARY DICOM SEG over the synthetic image: one segment and one frame per mask, each mask resampled (nearest
 * neighbour) to the image's Rows x Columns, frames bit-packed LSB first. Masks are the conditions the image was
 * generated from, e.g. `masksFromRecord(record, channels)`; labels must be anatomy the writer has codes for
 * (right_lung, left_lung, heart). Returns null when there is no mask. UIDs from `ctx`: series, SOP, dimension
 * organization.
 */
export function buildSegmentation(
  masks: readonly BinaryMask[],
  referencedImage: NaturalizedDataset,
  study: StudyIdentity,
  record: GenerationRecord,
  ctx: WriterContext,
): NaturalizedDataset | null {
  if (masks.length === 0) return null;
  const image = referenceOf(referencedImage, study);
  const labels = masks.map((m) => normaliseLabel(m.label));
  labels.forEach((label, i) => {
    if (ANATOMY_CODES[label] === undefined) {
      throw new Error(`buildSegmentation: masks[${i}] has label "${masks[i].label}"; supported: ${Object.keys(ANATOMY_CODES).join(', ')}`);
    }
    if (labels.indexOf(label) !== i) throw new Error(`buildSegmentation: label "${label}" is given twice`);
  });

  const seriesUid = ctx.uid();
  const sopUid = ctx.uid();
  const dimensionOrganizationUid = ctx.uid();
  const { date, time } = dicomDateTime(ctx.now());
  const model = `${record.model.name} ${record.model.version}`;
  const frameSize = image.rows * image.columns;
  const bits = new Uint8Array(frameSize * masks.length); // [frame = segment, row, column]
  masks.forEach((mask, i) => bits.set(resampleMask(mask, image.rows, image.columns), i * frameSize));
  const sourceImage = { ReferencedSOPClassUID: image.SOPClassUID, ReferencedSOPInstanceUID: image.SOPInstanceUID };
  // Source-frame readers (highdicom's get_pixels_by_source_instance, and the like) find a segment's pixels through
  // this per-frame reference and use only frames that say their pixels lie where the source's do: without
  // SpatialLocationsPreserved YES they find nothing. No ReferencedFrameNumber: the source image has one frame.
  const derivedFrom = { ...sourceImage, SpatialLocationsPreserved: 'YES', PurposeOfReferenceCodeSequence: [{ ...CODES.sourceImage }] };

  const dataset: NaturalizedDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    SOPInstanceUID: sopUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    TimezoneOffsetFromUTC: UTC_OFFSET,
    ...study,
    Modality: 'SEG',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: SEGMENTATION_SERIES_NUMBER,
    SeriesDate: date,
    SeriesTime: time,
    SeriesDescription: dicomString(`${SYNTHETIC_WORD} conditioning masks - ${model}`, 64),
    Manufacturer: dicomString(ctx.software.name, 64),
    ManufacturerModelName: dicomString(ctx.software.name, 64),
    DeviceSerialNumber: 'SOFTWARE',
    SoftwareVersions: dicomString(ctx.software.version, 64),
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    ContentLabel: 'CONDITIONING',
    ContentDescription: dicomString('Masks the synthetic image was generated from', 64),
    ContentCreatorName: '',
    ImageType: ['DERIVED', 'PRIMARY'],
    PatientOrientation: image.orientation,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: image.rows,
    Columns: image.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: labels.map((label, i) => ({
      SegmentNumber: i + 1,
      SegmentLabel: dicomString(label, 64),
      SegmentDescription: dicomString(`${SYNTHETIC_WORD} conditioning mask`, 64),
      SegmentAlgorithmType: 'MANUAL',
      SegmentedPropertyCategoryCodeSequence: [{ ...CODES.anatomicalStructure }],
      SegmentedPropertyTypeCodeSequence: [{ ...ANATOMY_CODES[label] }],
      RecommendedDisplayCIELabValue: DISPLAY_LAB[label],
    })),
    NumberOfFrames: masks.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: REFERENCED_SEGMENT_NUMBER_TAG,
        FunctionalGroupPointer: SEGMENT_IDENTIFICATION_SEQUENCE_TAG,
        DimensionDescriptionLabel: 'Segment Number',
      },
    ],
    // A radiograph has no frame of reference; OHIF's SEG viewport and cornerstone's SEG adapter still need pixel
    // measures and an orientation to place the labelmap (they crash without), and each frame's own derivation to
    // find its source image (else the labelmap stays empty). Pixel spacing 1 mm matches the image, which states none.
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: [1, 1], SliceThickness: 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
      },
    ],
    PerFrameFunctionalGroupsSequence: labels.map((_, i) => ({
      DerivationImageSequence: [
        {
          SourceImageSequence: [{ ...derivedFrom }],
          DerivationCodeSequence: [{ ...CODES.segmentation }],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: i + 1 }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: i + 1 }],
    })),
    ReferencedSeriesSequence: [{ SeriesInstanceUID: image.SeriesInstanceUID, ReferencedInstanceSequence: [sourceImage] }],
    PixelData: packBits(bits).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return markSynthetic(dataset, record);
}
