// @vitest-environment jsdom
/**
 * The hand-written OHIF interfaces (types.ts, the mode's ModeServices, initToolGroups' host) checked against the real
 * @ohif/core 3.13 bundle: an OHIF upgrade that renames a service, a method or an event we rely on fails here, not in
 * a user's viewer. Services that live in @ohif/extension-cornerstone (segmentationService, toolGroupService,
 * syncGroupService, cornerstoneViewportService) are not in @ohif/core; the browser test (test/e2e) covers them.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ToolGroupHost } from '../initToolGroups';
import type { ModeServices } from '../mode';
import { loadOhifCore, type OhifCore } from '../test/loadOhifCore';
import { createOhifHost } from './createOhifHost';
import type { CornerstoneCore, DisplaySetService, MeasurementService, OhifServices, UIModalService, UINotificationService, ViewportGridService } from './types';

type MethodsOf<T> = { [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never }[keyof T] & string;
type Missing<T, L extends readonly string[]> = Exclude<MethodsOf<T>, L[number]>;
/** A list of method names of T that must name EVERY method of T: adding one to an interface fails typecheck until it is listed here too. */
const allMethodsOf =
  <T,>() =>
  <const L extends readonly MethodsOf<T>[]>(list: L & ([Missing<T, L>] extends [never] ? unknown : { missing: Missing<T, L> })): readonly string[] =>
    list;

/** Each service we read from `servicesManager.services`: its key there, its class in @ohif/core, the methods we call. */
const CONTRACT: { key: string; className: string; methods: readonly string[] }[] = [
  { key: 'measurementService', className: 'MeasurementService', methods: [...allMethodsOf<MeasurementService>()(['getMeasurements', 'subscribe']), ...allMethodsOf<ModeServices['measurementService']>()(['clearMeasurements'])] },
  { key: 'displaySetService', className: 'DisplaySetService', methods: allMethodsOf<DisplaySetService>()(['getDisplaySetByUID', 'getActiveDisplaySets']) },
  { key: 'viewportGridService', className: 'ViewportGridService', methods: allMethodsOf<ViewportGridService>()(['getActiveViewportId', 'getState']) },
  { key: 'uiNotificationService', className: 'UINotificationService', methods: allMethodsOf<UINotificationService>()(['show']) },
  { key: 'uiModalService', className: 'UIModalService', methods: allMethodsOf<UIModalService>()(['show', 'hide']) },
  { key: 'uiDialogService', className: 'UIDialogService', methods: allMethodsOf<NonNullable<ModeServices['uiDialogService']>>()(['hideAll']) },
  { key: 'toolbarService', className: 'ToolbarService', methods: allMethodsOf<ModeServices['toolbarService']>()(['register', 'updateSection']) },
  { key: 'customizationService', className: 'CustomizationService', methods: allMethodsOf<ModeServices['customizationService']>()(['getCustomization']) },
];

/** The events createOhifHost subscribes to on measurementService (see its subscribe()). */
const MEASUREMENT_EVENTS = ['MEASUREMENT_ADDED', 'RAW_MEASUREMENT_ADDED', 'MEASUREMENT_UPDATED', 'MEASUREMENT_REMOVED', 'MEASUREMENTS_CLEARED'];

function methodNames(instance: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = instance; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (typeof (instance as Record<string, unknown>)[name] === 'function') names.add(name);
  }
  return names;
}

/** A RectangleROI measurement as OHIF's cornerstone extension maps one (only the fields our readers use). */
function rectangleMeasurement(uid: string) {
  return {
    uid,
    toolName: 'RectangleROI',
    label: 'nodule',
    points: [[10, 20, 0], [50, 20, 0], [10, 60, 0], [50, 60, 0]],
    referencedImageId: 'wadors:/dicom-web/studies/1.2.3/series/4/instances/5/frames/1',
    referenceStudyUID: '1.2.3',
    referenceSeriesUID: '4',
    SOPInstanceUID: '5',
    displaySetInstanceUID: 'ds-1',
    metadata: { toolName: 'RectangleROI', referencedImageId: 'wadors:/dicom-web/studies/1.2.3/series/4/instances/5/frames/1' },
  };
}

/** Cornerstone as far as createOhifHost uses it: world = image pixels here, a 256 x 256 image. */
const cornerstone: CornerstoneCore = {
  utilities: { worldToImageCoords: (_id, p) => [p[0] ?? 0, p[1] ?? 0] },
  metaData: { get: () => ({ rows: 256, columns: 256 }) },
  cache: { getImage: () => undefined },
};

describe('OHIF interfaces against the real @ohif/core 3.13', () => {
  let ohif: OhifCore;
  let readsAtLoad: Set<string>;
  beforeAll(() => {
    // OHIF logs every source and measurement it adds; keep the test output readable
    for (const level of ['log', 'info', 'debug', 'warn'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
    ohif = loadOhifCore();
    readsAtLoad = new Set(ohif.externalReads);
  });

  it.each(CONTRACT)('$className is registered as servicesManager.services.$key and has $methods', ({ key, className, methods }) => {
    const ServiceClass = ohif.module[className];
    expect(ServiceClass, `@ohif/core exports no ${className}`).toBeTypeOf('function');
    expect(ServiceClass.REGISTRATION.name).toBe(key);
    const services = new ohif.module.ServicesManager({});
    services.registerService(ServiceClass.REGISTRATION);
    const instance = services.services[key];
    expect(instance, `no service under ${key}`).toBeInstanceOf(ServiceClass);
    const names = methodNames(instance);
    for (const method of methods) expect(names.has(method), `${className}.${method}`).toBe(true);
  });

  it('measurementService has every event createOhifHost subscribes to, and subscribe() returns { unsubscribe }', () => {
    const ms = new ohif.module.MeasurementService();
    for (const event of MEASUREMENT_EVENTS) expect(ms.EVENTS[event], event).toBeTypeOf('string');
    const subscription = ms.subscribe(ms.EVENTS.MEASUREMENT_REMOVED, () => undefined);
    expect(subscription.unsubscribe).toBeTypeOf('function');
  });

  it('initToolGroups\' extensionManager.getModuleEntry exists on the real ExtensionManager', () => {
    const method: keyof ToolGroupHost['extensionManager'] = 'getModuleEntry';
    const services = new ohif.module.ServicesManager({});
    const extensions = new ohif.module.ExtensionManager({ commandsManager: new ohif.module.CommandsManager(), servicesManager: services, appConfig: {} });
    expect(methodNames(extensions).has(method)).toBe(true);
    expect(extensions.getModuleEntry('@ohif/extension-cornerstone.utilityModule.tools')).toBeUndefined();
  });

  describe('createOhifHost on real OHIF services', () => {
    function realServices() {
      const manager = new ohif.module.ServicesManager({});
      for (const name of ['MeasurementService', 'DisplaySetService', 'ViewportGridService']) manager.registerService(ohif.module[name].REGISTRATION);
      // the real instances; the test also calls OHIF methods outside our interfaces to set them up
      const real = manager.services as Record<string, any>;
      const services: OhifServices = real;
      const ms = real.measurementService;
      const source = ms.createSource('chexgen-oracle', '1');
      const toMeasurement = (data: { measurement: ReturnType<typeof rectangleMeasurement> }) => data.measurement;
      ms.addMapping(source, 'RectangleROI', [], () => ({}), toMeasurement);
      const add = (uid: string, extra: Record<string, unknown> = {}) =>
        ms.addRawMeasurement(source, 'RectangleROI', { uid, annotation: { data: {} }, measurement: { ...rectangleMeasurement(uid), ...extra } }, toMeasurement);
      return { services, real, ms, add };
    }

    it('reads a RectangleROI measurement that the real measurementService accepted as a box in source pixels', () => {
      const { services, add } = realServices();
      expect(add('m-1')).toBe('m-1');
      const host = createOhifHost(services, () => cornerstone);
      expect(host.readBoxes()).toEqual([
        { uid: 'm-1', measurementLabel: 'nodule', imageId: rectangleMeasurement('m-1').referencedImageId, x0: 10, y0: 20, x1: 50, y1: 60, sourceWidth: 256, sourceHeight: 256 },
      ]);
    });

    it('the real measurementService validates measurement keys: the fields we read are in its schema, an unknown one is refused', () => {
      const { ms, add } = realServices();
      expect(add('m-unknown', { chexgenUnknownField: 1 })).toBeUndefined();
      expect(ms.getMeasurements()).toEqual([]);
      add('m-2');
      const [stored] = ms.getMeasurements();
      for (const field of ['uid', 'toolName', 'label', 'points', 'referencedImageId', 'referenceStudyUID']) expect(stored, field).toHaveProperty(field);
    });

    it('hears adds, removals and clearing through the real events, and nothing after unsubscribing', () => {
      const { services, ms, add } = realServices();
      const host = createOhifHost(services, () => cornerstone);
      const onChange = vi.fn();
      const unsubscribe = host.subscribe(onChange);
      add('m-3');
      expect(onChange).toHaveBeenCalledTimes(1);
      ms.remove('m-3');
      expect(onChange).toHaveBeenCalledTimes(2);
      add('m-4');
      ms.clearMeasurements();
      expect(onChange).toHaveBeenCalledTimes(4);
      unsubscribe();
      add('m-5');
      expect(onChange).toHaveBeenCalledTimes(4);
    });

    it('finds the open study through the real viewportGridService and displaySetService', () => {
      const { services, real } = realServices();
      real.displaySetService.addDisplaySets({ displaySetInstanceUID: 'ds-1', StudyInstanceUID: '1.2.3', SeriesInstanceUID: '4', Modality: 'DX', instances: [] });
      // OHIF's ViewportGridProvider (React, in @ohif/ui-next) supplies the state; its shape is ours to assume here
      real.viewportGridService.setServiceImplementation({ getState: () => ({ activeViewportId: 'vp-1', viewports: new Map([['vp-1', { displaySetInstanceUIDs: ['ds-1'] }]]) }) });
      const host = createOhifHost(services, () => cornerstone, new URL('http://viewer/chexgen') as unknown as Location);
      expect(host.currentStudy()).toBe('1.2.3');
    });

    it('the services exercised here touch nothing of the stubbed cornerstone, dcmjs or gl-matrix', () => {
      expect([...ohif.externalReads].filter((read) => !readsAtLoad.has(read))).toEqual([]);
    });
  });
});
