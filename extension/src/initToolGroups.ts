/** What initToolGroups uses of OHIF's extension manager and tool group service. */
export interface ToolGroupHost {
  extensionManager: { getModuleEntry(id: string): { exports: ToolExports } | undefined };
  toolGroupService: { createToolGroupAndAddTools(id: string, tools: ToolSet): void };
}
type ToolExports = {
  toolNames: Record<string, string>;
  Enums: { MouseBindings: Record<string, number> };
};
type ToolEntry = { toolName: string; parentTool?: string; bindings?: Record<string, number>[]; configuration?: Record<string, unknown> };
export type ToolSet = { active?: ToolEntry[]; passive?: ToolEntry[]; enabled?: ToolEntry[]; disabled?: ToolEntry[] };

const BRUSH = { minRadius: 0.5, maxRadius: 99.5 };

/**
 * Tool groups of the chexgen mode: `default` (stack viewport) with window/level, pan, zoom and scroll on the mouse,
 * RectangleROI and the other measurement tools, and the labelmap brush/eraser/scissors (like OHIF's segmentation
 * mode) so boxes and masks can be drawn on one radiograph; `SRToolGroup` so the synthetic study's SR displays.
 */
export function initToolGroups({ extensionManager, toolGroupService }: ToolGroupHost): void {
  const cs = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.tools')?.exports;
  if (cs === undefined) throw new Error('the cornerstone extension is not loaded');
  const { toolNames: t, Enums } = cs;
  const mouse = Enums.MouseBindings;
  const navigation: ToolEntry[] = [
    { toolName: t.WindowLevel, bindings: [{ mouseButton: mouse.Primary }] },
    { toolName: t.Pan, bindings: [{ mouseButton: mouse.Auxiliary }] },
    { toolName: t.Zoom, bindings: [{ mouseButton: mouse.Secondary }, { numTouchPoints: 2 }] },
    { toolName: t.StackScroll, bindings: [{ mouseButton: mouse.Wheel }, { numTouchPoints: 3 }] },
  ];
  toolGroupService.createToolGroupAndAddTools('default', {
    active: navigation,
    passive: [
      ...['RectangleROI', 'Length', 'EllipticalROI', 'CircleROI', 'Bidirectional', 'Probe', 'PlanarFreehandROI', 'WindowLevelRegion', 'Magnify']
        .map((name) => t[name])
        .filter((name): name is string => name !== undefined)
        .map((toolName) => ({ toolName })),
      { toolName: 'CircularBrush', parentTool: 'Brush', configuration: { activeStrategy: 'FILL_INSIDE_CIRCLE', ...BRUSH } },
      { toolName: 'CircularEraser', parentTool: 'Brush', configuration: { activeStrategy: 'ERASE_INSIDE_CIRCLE', ...BRUSH } },
      { toolName: 'SphereBrush', parentTool: 'Brush', configuration: { activeStrategy: 'FILL_INSIDE_SPHERE', ...BRUSH } },
      { toolName: 'SphereEraser', parentTool: 'Brush', configuration: { activeStrategy: 'ERASE_INSIDE_SPHERE', ...BRUSH } },
      ...['CircleScissors', 'RectangleScissors', 'SphereScissors']
        .map((name) => t[name])
        .filter((name): name is string => name !== undefined)
        .map((toolName) => ({ toolName })),
    ],
    enabled: [t.ImageOverlayViewer].filter((name): name is string => name !== undefined).map((toolName) => ({ toolName })),
  });

  const sr = extensionManager.getModuleEntry('@ohif/extension-cornerstone-dicom-sr.utilityModule.tools')?.exports;
  if (sr === undefined) return;
  const s = sr.toolNames;
  toolGroupService.createToolGroupAndAddTools('SRToolGroup', {
    active: navigation,
    passive: ['SRLength', 'SRArrowAnnotate', 'SRBidirectional', 'SREllipticalROI', 'SRCircleROI', 'SRPlanarFreehandROI', 'SRRectangleROI']
      .map((name) => s[name])
      .filter((name): name is string => name !== undefined)
      .map((toolName) => ({ toolName })),
    enabled: [{ toolName: s.DICOMSRDisplay }],
  });
}
