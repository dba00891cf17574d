/**
 * Small local interfaces for the parts of OHIF 3.13 and cornerstone3D the extension uses. The host's @ohif/* and
 * @cornerstonejs/* packages are UMD bundles without types and are never bundled here: these objects come from the
 * running viewer (servicesManager, window.cornerstone).
 */
import type { LabelmapSegmentation, RectangleMeasurement, WorldPoint } from '../annotations/types';

export type Subscription = { unsubscribe(): void };

export interface PubSubService {
  EVENTS: Record<string, string>;
  subscribe(event: string, callback: (...args: unknown[]) => void): Subscription;
}

export interface MeasurementService extends PubSubService {
  getMeasurements(): RectangleMeasurement[];
}

export interface SegmentationService extends PubSubService {
  getSegmentations(): LabelmapSegmentation[];
}

export type DisplaySet = { displaySetInstanceUID: string; StudyInstanceUID?: string; Modality?: string };

export interface DisplaySetService {
  getDisplaySetByUID(uid: string): DisplaySet | undefined;
  getActiveDisplaySets(): DisplaySet[];
}

export interface ViewportGridService {
  getActiveViewportId(): string;
  getState(): { viewports: Map<string, { displaySetInstanceUIDs?: string[] }> };
}

export interface UINotificationService {
  show(options: { title: string; message: string; type?: 'success' | 'error' | 'info' | 'warning'; duration?: number }): void;
}

export interface UIModalService {
  show(options: { title: string; content: unknown; contentProps?: Record<string, unknown> }): void;
  hide(): void;
}

/** `servicesManager.services` as far as we use it; every service may be missing in an unusual host. */
export type OhifServices = {
  measurementService?: MeasurementService;
  segmentationService?: SegmentationService;
  displaySetService?: DisplaySetService;
  viewportGridService?: ViewportGridService;
  uiNotificationService?: UINotificationService;
};

export interface ServicesManager {
  services: OhifServices;
}

/** The cornerstone3D core the viewer exposes as `window.cornerstone`. */
export interface CornerstoneCore {
  utilities: { worldToImageCoords(imageId: string, point: WorldPoint): number[] | undefined };
  metaData: { get(type: string, imageId: string): unknown };
  cache: { getImage(imageId: string): CornerstoneImage | undefined };
}

export type CornerstoneImage = {
  width: number;
  height: number;
  rows?: number;
  columns?: number;
  voxelManager?: { getScalarData(): ArrayLike<number> };
  getPixelData?(): ArrayLike<number>;
};
