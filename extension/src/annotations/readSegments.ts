import { encodeRle } from './encodeRle';
import type { LabelmapPixels, LabelmapSegmentation, SourceSegment } from './types';

/**
 * Reads every segment of every labelmap segmentation as a binary mask: the first labelmap image (a 2D radiograph
 * has one) is split by segment index and run-length encoded. Segments with no painted pixel are kept (pixels = 0)
 * so the panel can say why they are not sent.
 */
export function readSegments(segmentations: readonly LabelmapSegmentation[], labelmapPixels: LabelmapPixels): SourceSegment[] {
  const out: SourceSegment[] = [];
  for (const segmentation of segmentations) {
    const imageId = segmentation.representationData.Labelmap?.imageIds?.[0];
    if (imageId === undefined) continue;
    const image = labelmapPixels(imageId);
    if (image === undefined || image.data.length !== image.width * image.height) continue;
    const segments = Object.values(segmentation.segments)
      .filter((s): s is NonNullable<typeof s> => s !== undefined && s.segmentIndex > 0)
      .sort((a, b) => a.segmentIndex - b.segmentIndex);
    for (const segment of segments) {
      const { rle, inside } = encodeRle(image.data, segment.segmentIndex);
      out.push({
        key: `${segmentation.segmentationId}/${segment.segmentIndex}`,
        segmentationId: segmentation.segmentationId,
        segmentIndex: segment.segmentIndex,
        name: segment.label ?? `${segmentation.label ?? 'Segmentation'} ${segment.segmentIndex}`,
        width: image.width,
        height: image.height,
        rle,
        pixels: inside,
      });
    }
  }
  return out;
}
