/** The software version written into DICOM objects (kept in step with package.json by a test). */
export const CHEXGEN_VERSION = '0.1.0';
