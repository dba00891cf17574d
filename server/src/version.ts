import { createRequire } from 'node:module';

// Read with require rather than a JSON import: an import would make tsc root the build at the repository, and the
// compiled server (server/dist, beside server/src) would no longer sit at the same depth as the sources.
const require = createRequire(import.meta.url);
const packageJson = require('../../package.json') as { version: string };

/** The software version written into DICOM objects and the OpenAPI document: package.json's, the one place it is kept. */
export const CHEXGEN_VERSION: string = packageJson.version;

/** The software that writes our DICOM objects (General Equipment: Manufacturer / SoftwareVersions). */
export const SOFTWARE = { name: 'chexgen', version: CHEXGEN_VERSION } as const;
