// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import extension from './index';
import { EXTENSION_URL, PANEL_ID } from './id';
import { initToolGroups, type ToolSet } from './initToolGroups';
import mode from './mode';

describe('the extension and the mode', () => {
  it('when OHIF loads the mode, then it depends on the extension by its URL and shows our panel and the SEG/SR handlers', () => {
    const instance = mode.modeFactory();
    expect(instance.routeName).toBe('chexgen');
    expect(Object.keys(mode.extensionDependencies)).toContain(EXTENSION_URL);
    expect(EXTENSION_URL).toBe('/plugins/chexgen-extension.mjs');
    expect(instance.sopClassHandlers).toEqual(expect.arrayContaining([
      '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
      '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr',
      '@ohif/extension-default.sopClassHandlerModule.stack',
    ]));
    const layout = instance.routes[0].layoutTemplate();
    expect(layout.props.rightPanels[0]).toBe(PANEL_ID);
    expect(PANEL_ID).toBe(`${extension.id}.panelModule.synthesis`);
    expect(instance.isValidMode({ modalities: 'DX' }).valid).toBe(true);
    expect(instance.isValidMode({ modalities: 'SR\\SEG' }).valid).toBe(false);
  });

  it('when the tool groups are made, then the default group has RectangleROI and a brush, and the SR group displays SRs', () => {
    const groups = new Map<string, ToolSet>();
    const names = (list: string[]) => Object.fromEntries(list.map((n) => [n, n]));
    const noBindings: Record<string, number> = {};
    initToolGroups({
      extensionManager: {
        getModuleEntry: (id) =>
          id.includes('dicom-sr')
            ? { exports: { toolNames: names(['SRRectangleROI', 'DICOMSRDisplay']), Enums: { MouseBindings: noBindings } } }
            : { exports: { toolNames: names(['WindowLevel', 'Pan', 'Zoom', 'StackScroll', 'RectangleROI', 'CircleScissors']), Enums: { MouseBindings: { Primary: 1, Auxiliary: 4, Secondary: 2, Wheel: 524288 } } } },
      },
      toolGroupService: { createToolGroupAndAddTools: (id, tools) => groups.set(id, tools) },
    });
    const passive = groups.get('default')?.passive?.map((t) => t.toolName);
    expect(passive).toEqual(expect.arrayContaining(['RectangleROI', 'CircularBrush', 'CircularEraser', 'CircleScissors']));
    expect(groups.get('default')?.active?.[0]).toEqual({ toolName: 'WindowLevel', bindings: [{ mouseButton: 1 }] });
    expect(groups.get('SRToolGroup')?.enabled).toEqual([{ toolName: 'DICOMSRDisplay' }]);
  });

  it('when OHIF asks the extension for panels, then it gets the synthesis panel as a class component', () => {
    const [panel] = extension.getPanelModule({ servicesManager: { services: {} } });
    expect(panel.name).toBe('synthesis');
    expect((panel.component.prototype as { isReactComponent?: unknown }).isReactComponent).toBeTruthy();
  });
});
