// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import type { LabelmapSegmentation, RectangleMeasurement } from '../annotations/types';
import { createOhifHost } from './createOhifHost';
import type { CornerstoneCore, OhifServices, PubSubService } from './types';

function pubSub(events: string[]): PubSubService & { fire(event: string): void } {
  const listeners = new Map<string, (() => void)[]>();
  return {
    EVENTS: Object.fromEntries(events.map((e) => [e, `event:${e}`])),
    subscribe(event, callback) {
      listeners.set(event, [...(listeners.get(event) ?? []), callback as () => void]);
      return { unsubscribe: () => listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== callback)) };
    },
    fire(event) {
      for (const l of listeners.get(`event:${event}`) ?? []) l();
    },
  };
}

const measurement: RectangleMeasurement = { uid: 'm1', toolName: 'RectangleROI', points: [[0, 0, 0], [10, 5, 0]], referencedImageId: 'img', label: 'mass' };
const segmentation: LabelmapSegmentation = { segmentationId: 's', segments: { '1': { segmentIndex: 1, label: 'Heart' } }, representationData: { Labelmap: { imageIds: ['lab'] } } };

function fakes() {
  const measurementService = Object.assign(pubSub(['MEASUREMENT_ADDED', 'MEASUREMENT_REMOVED']), { getMeasurements: () => [measurement] });
  const segmentationService = Object.assign(pubSub(['SEGMENTATION_DATA_MODIFIED']), { getSegmentations: () => [segmentation] });
  const services: OhifServices = {
    measurementService,
    segmentationService,
    viewportGridService: { getActiveViewportId: () => 'vp', getState: () => ({ viewports: new Map([['vp', { displaySetInstanceUIDs: ['ds1'] }]]) }) },
    displaySetService: { getDisplaySetByUID: (uid) => (uid === 'ds1' ? { displaySetInstanceUID: 'ds1', StudyInstanceUID: '1.2.840.1' } : undefined), getActiveDisplaySets: () => [] },
  };
  const cornerstone: CornerstoneCore = {
    utilities: { worldToImageCoords: (_id, p) => [p[0] * 2, p[1] * 2] },
    metaData: { get: (type, id) => (type === 'imagePlaneModule' && id === 'img' ? { rows: 64, columns: 32 } : undefined) },
    cache: { getImage: (id) => (id === 'lab' ? { width: 2, height: 2, voxelManager: { getScalarData: () => new Uint8Array([0, 1, 1, 0]) } } : undefined) },
  };
  return { services, cornerstone, measurementService, segmentationService };
}

describe('createOhifHost', () => {
  it('when OHIF holds a RectangleROI and a labelmap, then they are read through cornerstone into pixels and masks', () => {
    const { services, cornerstone } = fakes();
    const host = createOhifHost(services, () => cornerstone, { search: '' } as Location);
    expect(host.readBoxes()).toEqual([{ uid: 'm1', measurementLabel: 'mass', imageId: 'img', x0: 0, y0: 0, x1: 20, y1: 10, sourceWidth: 32, sourceHeight: 64 }]);
    expect(host.readSegments()).toEqual([{ key: 's/1', segmentationId: 's', segmentIndex: 1, name: 'Heart', width: 2, height: 2, rle: [1, 2, 1], pixels: 2 }]);
    expect(host.currentStudy()).toBe('1.2.840.1');
  });

  it('when cornerstone is not there yet, then there are no boxes; the study comes from the URL when no viewport has one', () => {
    const { services } = fakes();
    const host = createOhifHost({ ...services, viewportGridService: undefined }, () => undefined, { search: '?StudyInstanceUIDs=1.2.3,4.5.6' } as Location);
    expect(host.readBoxes()).toEqual([]);
    expect(host.currentStudy()).toBe('1.2.3');
  });

  it('when measurements or segmentations change, then the subscriber hears it until it unsubscribes', () => {
    const { services, cornerstone, measurementService, segmentationService } = fakes();
    const host = createOhifHost(services, () => cornerstone, { search: '' } as Location);
    const onChange = vi.fn();
    const unsubscribe = host.subscribe(onChange);
    measurementService.fire('MEASUREMENT_ADDED');
    segmentationService.fire('SEGMENTATION_DATA_MODIFIED');
    expect(onChange).toHaveBeenCalledTimes(2);
    unsubscribe();
    measurementService.fire('MEASUREMENT_REMOVED');
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('when studies are opened, then the browser goes to our mode with both UIDs', () => {
    const { services, cornerstone } = fakes();
    const assign = vi.fn();
    createOhifHost(services, () => cornerstone, { search: '', assign } as unknown as Location).openStudies(['1.2', '3.4']);
    expect(assign).toHaveBeenCalledWith('/chexgen?StudyInstanceUIDs=1.2,3.4');
  });
});
