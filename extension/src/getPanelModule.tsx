import { ChexgenClient } from './api/ChexgenClient';
import { createOhifHost } from './ohif/createOhifHost';
import { createIsland } from './ohif/createIsland';
import type { CornerstoneCore, ServicesManager } from './ohif/types';
import { SynthesisPanel } from './panels/SynthesisPanel';

declare global {
  interface Window {
    cornerstone?: CornerstoneCore;
  }
}

/** OHIF panel module: the synthesis panel, rendered as a React island with the host's services. */
export function getPanelModule({ servicesManager }: { servicesManager: ServicesManager }) {
  const client = new ChexgenClient((input, init) => window.fetch(input, init));
  const { Island } = createIsland(() => (
    <SynthesisPanel
      client={client}
      host={createOhifHost(servicesManager.services, () => window.cornerstone)}
      openEvents={(url) => new EventSource(url)}
    />
  ));
  return [
    {
      name: 'synthesis',
      iconName: 'tab-patient-info',
      iconLabel: 'Synthesis',
      label: 'Chest X-ray synthesis',
      component: Island,
    },
  ];
}
