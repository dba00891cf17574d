import packageJson from '../../package.json' with { type: 'json' };

/** The software version written into DICOM objects and the OpenAPI document: package.json's, the one place it is kept. */
export const CHEXGEN_VERSION: string = packageJson.version;

/** The software that writes our DICOM objects (General Equipment: Manufacturer / SoftwareVersions). */
export const SOFTWARE = { name: 'chexgen', version: CHEXGEN_VERSION } as const;
