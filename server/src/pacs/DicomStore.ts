import type { DicomJsonDataset } from '../dicom/dicomJson.js';

/** Log callback, shaped like the runtime's so a pino logger adapts in one line. */
export type PacsLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/** One instance a store did not keep, with the reason it gave. */
export type StoreFailure = {
  /** Position of the instance in the `store()` argument. */
  index: number;
  /** Its SOPInstanceUID when it could be read. */
  sopInstanceUid?: string;
  /** Human-readable reason, including the DICOM failure code when the store sent one. */
  reason: string;
};

/** Outcome of a STOW-RS style store: what was kept and what was not. Storing an existing instance counts as stored. */
export type StoreResult = {
  /** SOPInstanceUIDs the store acknowledged, in argument order. */
  stored: string[];
  failed: StoreFailure[];
};

/**
 * QIDO-RS query parameters: attribute keywords or tags (`PatientName`, `00100010`) with DICOM matching values
 * (`*` wildcards, `20240101-20240131` date ranges, `a\b` or `a,b` UID lists), plus `limit`, `offset`,
 * `includefield` and `fuzzymatching`.
 */
export type QidoQuery = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A DICOMweb-shaped image store (QIDO-RS, WADO-RS, STOW-RS). Implemented by a remote PACS client and by the
 * embedded on-disk store, so the rest of the server does not care which one it talks to.
 *
 * Errors are ChexgenErrors: `INVALID_FIELD` for malformed UIDs or queries, `PACS_NOT_FOUND` for missing objects,
 * `PACS_REJECTED` when the store refuses a request, `PACS_UNAVAILABLE` when it cannot be reached.
 */
export interface DicomStore {
  /** Stores Part 10 instances (STOW-RS). Per-instance problems are reported in the result, not thrown. */
  store(instances: readonly Uint8Array[]): Promise<StoreResult>;
  /** QIDO-RS `/studies`. */
  searchStudies(query?: QidoQuery): Promise<DicomJsonDataset[]>;
  /** QIDO-RS `/studies/{study}/series`. */
  searchSeries(studyUid: string, query?: QidoQuery): Promise<DicomJsonDataset[]>;
  /** QIDO-RS `/studies/{study}/instances` or `/studies/{study}/series/{series}/instances`. */
  searchInstances(studyUid: string, seriesUid?: string, query?: QidoQuery): Promise<DicomJsonDataset[]>;
  /** QIDO-RS `/series` across all studies (e.g. to find the study of a SeriesInstanceUID). */
  searchAllSeries(query?: QidoQuery): Promise<DicomJsonDataset[]>;
  /** QIDO-RS `/instances` across all studies (e.g. to find the study and series of a SOPInstanceUID). */
  searchAllInstances(query?: QidoQuery): Promise<DicomJsonDataset[]>;
  /** WADO-RS instance: the Part 10 bytes. */
  retrieveInstance(studyUid: string, seriesUid: string, sopInstanceUid: string): Promise<Uint8Array>;
  /** WADO-RS metadata of a study or one of its series: one DICOM JSON dataset per instance. */
  retrieveMetadata(studyUid: string, seriesUid?: string): Promise<DicomJsonDataset[]>;
  /** WADO-RS frames (1-based numbers): the raw bytes of each requested frame, in request order. */
  retrieveFrames(
    studyUid: string,
    seriesUid: string,
    sopInstanceUid: string,
    frames: readonly number[],
  ): Promise<Uint8Array[]>;
}
