import { getPanelModule } from './getPanelModule';
import { EXTENSION_ID, VERSION } from './id';

/** The chexgen OHIF extension: one panel module (the synthesis panel with its cohort dialog). */
const extension = {
  id: EXTENSION_ID,
  version: VERSION,
  getPanelModule,
};

export default extension;
