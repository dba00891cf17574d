import { version } from '../../package.json';

/** Our extension's id: modules are addressed as `chexgen.<moduleType>.<name>`. */
export const EXTENSION_ID = 'chexgen';
/** The URL the server serves the extension bundle at; OHIF imports mode dependencies by this key. */
export const EXTENSION_URL = '/plugins/chexgen-extension.mjs';
/** The mode's id. */
export const MODE_ID = 'chexgen-mode';
/** The mode's route name: the viewer URL is `/<MODE_ROUTE>?StudyInstanceUIDs=...`. */
export const MODE_ROUTE = 'chexgen';
/** Full id of the synthesis panel, as a mode's layout lists it. */
export const PANEL_ID = `${EXTENSION_ID}.panelModule.synthesis`;
/** Package version (package.json's, the one place it is kept), shown in the extension and mode objects. */
export const VERSION: string = version;
