/** A 3D point in world (patient) coordinates, as cornerstone gives annotation handles. */
export type WorldPoint = readonly [number, number, number] | readonly number[];

/** World -> image pixel [column, row] of the image `imageId` (cornerstone's `utilities.worldToImageCoords`). */
export type WorldToImage = (imageId: string, point: WorldPoint) => readonly number[] | undefined;

/** Size of the image `imageId` in pixels, or undefined when not known. */
export type ImageSize = (imageId: string) => { width: number; height: number } | undefined;

/** A RectangleROI measurement as OHIF's measurementService lists it (only what we read). */
export type RectangleMeasurement = {
  uid: string;
  toolName: string;
  points: readonly WorldPoint[];
  referencedImageId?: string;
  referenceStudyUID?: string;
  label?: string;
};

/** A box read from a measurement, in source-image pixels, before it gets a finding label. */
export type SourceBox = {
  uid: string;
  /** The measurement's own label (free text in OHIF), used to suggest a finding. */
  measurementLabel: string;
  imageId: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  sourceWidth: number;
  sourceHeight: number;
};

/** One segment of a labelmap segmentation (OHIF / cornerstone3D segmentation state). */
export type SegmentInfo = { segmentIndex: number; label?: string };

/** A labelmap segmentation as segmentationService lists it (only what we read). */
export type LabelmapSegmentation = {
  segmentationId: string;
  label?: string;
  segments: Record<string, SegmentInfo | undefined>;
  representationData: { Labelmap?: { imageIds?: readonly string[] } };
};

/** Segment indices of a labelmap image, row-major, with its size. */
export type LabelmapPixels = (imageId: string) => { width: number; height: number; data: ArrayLike<number> } | undefined;

/** One segment read from a segmentation, as a binary mask at the labelmap (= source image) size. */
export type SourceSegment = {
  key: string;
  segmentationId: string;
  segmentIndex: number;
  name: string;
  width: number;
  height: number;
  rle: number[];
  pixels: number;
};
