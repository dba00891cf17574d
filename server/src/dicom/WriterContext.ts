/** The software that writes the objects (General Equipment: Manufacturer / SoftwareVersions). */
export type SoftwareIdentity = { name: string; version: string };

/**
 * Everything a DICOM writer may not take from the environment: UIDs and the clock are injected, so the same inputs
 * and the same context give the same bytes (tests pass a counter and a fixed date; production passes
 * {@link createWriterContext}).
 */
export type WriterContext = { uid: () => string; now: () => Date; software: SoftwareIdentity };

/**
 * A dcmjs "naturalized" dataset: attributes by DICOM keyword (`PatientName`, `PixelData`), sequences as arrays of
 * datasets, plus dcmjs's `_vrMap` (VR overrides, e.g. `PixelData: 'OW'`) and `_meta` (file meta, after reading).
 */
export type NaturalizedDataset = { [keyword: string]: unknown; _vrMap?: Record<string, string> };
