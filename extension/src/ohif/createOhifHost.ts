import { readBoxes } from '../annotations/readBoxes';
import { readSegments } from '../annotations/readSegments';
import type { ImageSize, LabelmapPixels } from '../annotations/types';
import { MODE_ROUTE } from '../id';
import type { AnnotationHost } from '../panels/AnnotationHost';
import type { CornerstoneCore, OhifServices, PubSubService } from './types';


/**
 * The panel's view of the running OHIF viewer: boxes from measurementService (RectangleROI, converted with
 * cornerstone's worldToImageCoords), segments from segmentationService labelmaps (pixels from cornerstone's cache),
 * the study in the active viewport, change subscriptions and navigation to another set of studies.
 */
export function createOhifHost(services: OhifServices, getCornerstone: () => CornerstoneCore | undefined, location: Location = window.location): AnnotationHost {
  const imageSize: ImageSize = (imageId) => {
    const cs = getCornerstone();
    const plane = cs?.metaData.get('imagePlaneModule', imageId) as { rows?: number; columns?: number } | undefined;
    if (plane?.rows && plane.columns) return { width: plane.columns, height: plane.rows };
    const image = cs?.cache.getImage(imageId);
    return image ? { width: image.columns ?? image.width, height: image.rows ?? image.height } : undefined;
  };
  const labelmapPixels: LabelmapPixels = (imageId) => {
    const image = getCornerstone()?.cache.getImage(imageId);
    if (image === undefined) return undefined;
    const data = image.voxelManager?.getScalarData() ?? image.getPixelData?.();
    return data === undefined ? undefined : { width: image.columns ?? image.width, height: image.rows ?? image.height, data };
  };
  return {
    readBoxes: () => {
      const cs = getCornerstone();
      if (cs === undefined || services.measurementService === undefined) return [];
      return readBoxes(services.measurementService.getMeasurements(), (id, p) => cs.utilities.worldToImageCoords(id, p), imageSize);
    },
    readSegments: () => (services.segmentationService ? readSegments(services.segmentationService.getSegmentations(), labelmapPixels) : []),
    currentStudy: () => {
      const { viewportGridService: grid, displaySetService: sets } = services;
      const viewport = grid?.getState().viewports.get(grid.getActiveViewportId());
      for (const uid of viewport?.displaySetInstanceUIDs ?? []) {
        const study = sets?.getDisplaySetByUID(uid)?.StudyInstanceUID;
        if (study) return study;
      }
      const fromUrl = new URLSearchParams(location.search).get('StudyInstanceUIDs')?.split(',')[0];
      return fromUrl || undefined;
    },
    subscribe: (onChange) => {
      const subscriptions = [
        ...subscribeAll(services.measurementService, ['MEASUREMENT_ADDED', 'RAW_MEASUREMENT_ADDED', 'MEASUREMENT_UPDATED', 'MEASUREMENT_REMOVED', 'MEASUREMENTS_CLEARED'], onChange),
        ...subscribeAll(services.segmentationService, ['SEGMENTATION_ADDED', 'SEGMENTATION_MODIFIED', 'SEGMENTATION_DATA_MODIFIED', 'SEGMENTATION_REMOVED'], onChange),
      ];
      return () => subscriptions.forEach((s) => s.unsubscribe());
    },
    openStudies: (studyInstanceUIDs) => {
      location.assign(`/${MODE_ROUTE}?StudyInstanceUIDs=${studyInstanceUIDs.map(encodeURIComponent).join(',')}`);
    },
  };
}

function subscribeAll(service: PubSubService | undefined, names: string[], callback: () => void) {
  if (service === undefined) return [];
  return names
    .map((name) => service.EVENTS[name])
    .filter((event): event is string => typeof event === 'string')
    .map((event) => service.subscribe(event, () => callback()));
}
