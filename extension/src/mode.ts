import { EXTENSION_URL, MODE_ID, MODE_ROUTE, PANEL_ID, VERSION } from './id';
import { initToolGroups, type ToolGroupHost } from './initToolGroups';

/** Module ids of OHIF's own extensions that the mode uses (as OHIF's basic mode names them). */
const ohif = {
  layout: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
  stack: '@ohif/extension-default.sopClassHandlerModule.stack',
  seriesList: '@ohif/extension-default.panelModule.seriesList',
  viewport: '@ohif/extension-cornerstone.viewportModule.cornerstone',
  measurements: '@ohif/extension-cornerstone.panelModule.panelMeasurement',
  labelmapPanel: '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsLabelMap',
  srHandler: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr',
  srHandler3D: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr-3d',
  srViewport: '@ohif/extension-cornerstone-dicom-sr.viewportModule.dicom-sr',
  segHandler: '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
  segViewport: '@ohif/extension-cornerstone-dicom-seg.viewportModule.dicom-seg',
} as const;

/** Extensions the mode needs. OHIF import()s each key: ours MUST be its URL (a bare name would not resolve). */
const extensionDependencies: Record<string, string> = {
  '@ohif/extension-default': '^3.0.0',
  '@ohif/extension-cornerstone': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-sr': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-seg': '^3.0.0',
  [EXTENSION_URL]: `^${VERSION}`,
};

type Unsubscribe = { unsubscribe(): void };
/** The OHIF services the mode calls (checked against @ohif/core in ohif/ohifCoreOracle.test.ts). */
export type ModeServices = {
  measurementService: { clearMeasurements(): void };
  toolbarService: { register(buttons: unknown[]): void; updateSection(key: string, buttons: unknown): void };
  toolGroupService: ToolGroupHost['toolGroupService'] & { destroy(): void };
  customizationService: { getCustomization(id: string): unknown };
  segmentationService: { destroy(): void };
  syncGroupService: { destroy(): void };
  cornerstoneViewportService: { destroy(): void };
  uiDialogService?: { hideAll(): void };
  uiModalService?: { hide(): void };
};
type ModeContext = { servicesManager: { services: ModeServices }; extensionManager: ToolGroupHost['extensionManager'] };

const toArray = (value: unknown): unknown[] => (value == null ? [] : Array.isArray(value) ? value : [value]);

/**
 * The "Chest X-ray synthesis" mode: OHIF's stack viewport (with the SR and SEG viewports for the synthetic study's
 * overlays), the series list on the left, our panel then OHIF's labelmap segmentation and measurement panels on the
 * right, and the cornerstone toolbar (RectangleROI under Measurement tools) plus the labelmap brush tools.
 */
const modeInstance = {
  id: MODE_ID,
  routeName: MODE_ROUTE,
  displayName: 'Chest X-ray synthesis',
  hide: false,
  toolbarButtons: [{ $reference: 'cornerstone.toolbarButtons' }, { $reference: 'cornerstone.segmentationToolbarButtons' }],
  toolbarSections: [{ $reference: 'cornerstone.toolbarSections' }, { $reference: 'cornerstone.segmentationToolbarSections' }],
  toolGroupAdditions: { default: [], SRToolGroup: [] },
  activatePanelTriggers: [],
  _unsubscriptions: [] as Unsubscribe[],
  onModeEnter({ servicesManager, extensionManager }: ModeContext): void {
    const { measurementService, toolbarService, toolGroupService, customizationService } = servicesManager.services;
    measurementService.clearMeasurements();
    initToolGroups({ extensionManager, toolGroupService });
    // the mode route seeded toolbarButtons/toolbarSections from this instance; read them resolved, as OHIF's modes do
    toolbarService.register(toArray(customizationService.getCustomization('toolbarButtons')));
    const sections = Object.assign({}, ...toArray(customizationService.getCustomization('toolbarSections'))) as Record<string, unknown>;
    for (const [key, buttons] of Object.entries(sections)) toolbarService.updateSection(key, buttons);
  },
  onModeExit({ servicesManager }: ModeContext): void {
    const s = servicesManager.services;
    s.uiDialogService?.hideAll();
    s.uiModalService?.hide();
    s.toolGroupService.destroy();
    s.syncGroupService.destroy();
    s.segmentationService.destroy();
    s.cornerstoneViewportService.destroy();
  },
  validationTags: { study: [], series: [] },
  /** Any study with at least one image series (not only SR/SEG). */
  isValidMode({ modalities }: { modalities: string }) {
    const list = modalities.split('\\');
    const valid = list.some((m) => !['SR', 'SEG', 'RTSTRUCT', 'PR', 'DOC'].includes(m));
    return { valid, description: valid ? 'has an image series' : 'the study has no image series' };
  },
  routes: [
    {
      path: MODE_ROUTE,
      layoutTemplate() {
        return {
          id: ohif.layout,
          props: {
            leftPanels: [ohif.seriesList],
            leftPanelResizable: true,
            rightPanels: [PANEL_ID, ohif.labelmapPanel, ohif.measurements],
            rightPanelResizable: true,
            rightPanelInitialExpandedWidth: 380,
            viewports: [
              { namespace: ohif.viewport, displaySetsToDisplay: [ohif.stack] },
              { namespace: ohif.srViewport, displaySetsToDisplay: [ohif.srHandler, ohif.srHandler3D] },
              { namespace: ohif.segViewport, displaySetsToDisplay: [ohif.segHandler] },
            ],
          },
        };
      },
    },
  ],
  extensions: extensionDependencies,
  // two studies in the URL (source, synthetic) -> side by side; one study -> OHIF's default protocol
  hangingProtocol: ['@ohif/hpCompare', 'default'],
  // SEG and SR first: their handlers claim those SOP classes before the generic stack handler
  sopClassHandlers: [ohif.segHandler, ohif.srHandler3D, ohif.srHandler, ohif.stack],
};

const mode = {
  id: MODE_ID,
  version: VERSION,
  modeFactory: () => modeInstance,
  modeInstance,
  extensionDependencies,
};

export default mode;
