import { mkdir, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { ChexgenError } from '../errors.js';
import type { DicomStore, PacsLog, QidoQuery, StoreResult } from './DicomStore.js';
import { TAG, firstNumber, firstString, pickAttributes, type DicomJsonDataset } from '../dicom/dicomJson.js';
import { assertDicomUid, isDicomUid } from './dicomUid.js';
import {
  QIDO_INSTANCE_TAGS,
  QIDO_SERIES_TAGS,
  QIDO_STUDY_TAGS,
  applyQidoFilter,
  parseQidoQuery,
} from './qidoMatching.js';
import { checkPixelDataLength, readPixelGeometry } from './pixelGeometry.js';
import { parsePart10, pixelDataOf, toDicomJson } from '../dicom/readPart10.js';
import { scanStoreFolder } from './scanStoreFolder.js';
import { isNativeTransferSyntax, splitFrames } from './splitFrames.js';
import { STOW_FAILURE, type StowOutcome } from './stowResponse.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/** Settings of an {@link EmbeddedStore}. */
export type EmbeddedStoreOptions = {
  /** Folder holding `<study>/<series>/<sop>.dcm`; created when missing. */
  dataDir: string;
  /** DICOMweb root that BulkDataURIs start with when metadata is read outside a request (default `/dicom-web`). */
  publicBaseUrl?: string;
  /** Largest decoded Pixel Data of one instance (CHEXGEN_MAX_PIXEL_BYTES, default 1 GiB); larger is refused. */
  maxPixelBytes?: number;
  /** Most bytes all stored files may take (CHEXGEN_STORE_QUOTA_BYTES); 0 or absent = no quota. */
  quotaBytes?: number;
  /** Free bytes a write must leave on the disk (CHEXGEN_DISK_RESERVE_BYTES, default 1 GiB). */
  reserveBytes?: number;
  log?: PacsLog;
};

/**
 * What the index keeps per instance: where it lives, the attributes QIDO needs, and its frame count as checked
 * against its Pixel Data when it was stored or found (0 without Pixel Data).
 */
type IndexedInstance = { studyUid: string; seriesUid: string; sopUid: string; path: string; header: DicomJsonDataset; frames: number; bytes: number };

/** A STOW outcome plus the argument position and, for stored instances, their study and series. */
export type EmbeddedStoreOutcome = StowOutcome & {
  index: number;
  studyUid?: string;
  seriesUid?: string;
  reason?: string;
};

const INDEX_TAGS = [...new Set([...QIDO_STUDY_TAGS, ...QIDO_SERIES_TAGS, ...QIDO_INSTANCE_TAGS])];
const TEMP_DIR = '.tmp';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const DEFAULT_MAX_PIXEL_BYTES = 1024 ** 3;
const DEFAULT_RESERVE_BYTES = 1024 ** 3;

/**
 * A {@link DicomStore} on the local disk: one Part 10 file per instance under `<dataDir>/<study>/<series>/<sop>.dcm`
 * (UIDs are validated, so paths cannot escape), written atomically, and an in-memory index rebuilt by scanning the
 * folder at {@link EmbeddedStore.open}. Storing an instance again replaces the file; it is reported as stored.
 */
export class EmbeddedStore implements DicomStore {
  private readonly studies = new Map<string, Map<string, Map<string, IndexedInstance>>>();
  private readonly bySop = new Map<string, IndexedInstance>();
  /** Bytes of all indexed files, for the quota. */
  private usedBytes = 0;

  private constructor(
    readonly dataDir: string,
    private readonly publicBaseUrl: string,
    private readonly log: PacsLog | undefined,
    private readonly maxPixelBytes: number,
    private readonly room: { quotaBytes: number; reserveBytes: number },
  ) {}

  /** Where uploads and writes in progress live (emptied at open). */
  get tempDir(): string {
    return join(this.dataDir, TEMP_DIR);
  }

  /**
   * Throws STORAGE_FULL (507) when `incoming` more bytes would pass the quota (CHEXGEN_STORE_QUOTA_BYTES) or leave
   * the disk with less free space than the reserve (CHEXGEN_DISK_RESERVE_BYTES); `replacing` bytes are freed by it.
   */
  async assertRoom(incoming: number, replacing = 0): Promise<void> {
    const { quotaBytes, reserveBytes } = this.room;
    if (quotaBytes > 0 && this.usedBytes - replacing + incoming > quotaBytes) {
      throw new ChexgenError('STORAGE_FULL', `the embedded store holds ${this.usedBytes} bytes; ${incoming} more would pass its quota of ${quotaBytes} (CHEXGEN_STORE_QUOTA_BYTES)`, { status: 507 });
    }
    const disk = await statfs(this.dataDir);
    const free = disk.bavail * disk.bsize;
    if (free - incoming < reserveBytes) {
      throw new ChexgenError('STORAGE_FULL', `the disk of the embedded store has ${free} bytes free; ${incoming} more would leave less than ${reserveBytes} (CHEXGEN_DISK_RESERVE_BYTES)`, { status: 507 });
    }
  }

  /** Opens (creating if needed) the store in `options.dataDir` and indexes the files already there. */
  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const store = new EmbeddedStore(
      options.dataDir,
      (options.publicBaseUrl ?? '/dicom-web').replace(/\/+$/, ''),
      options.log,
      options.maxPixelBytes ?? DEFAULT_MAX_PIXEL_BYTES,
      { quotaBytes: options.quotaBytes ?? 0, reserveBytes: options.reserveBytes ?? DEFAULT_RESERVE_BYTES },
    );
    await mkdir(options.dataDir, { recursive: true });
    await rm(join(options.dataDir, TEMP_DIR), { recursive: true, force: true }); // leftovers of interrupted writes
    await store.scan();
    return store;
  }

  async store(instances: readonly Uint8Array[]): Promise<StoreResult> {
    const outcomes = await this.storeDetailed(instances);
    return {
      stored: outcomes.flatMap((o) => (o.failureReason === undefined && o.sopInstanceUid ? [o.sopInstanceUid] : [])),
      failed: outcomes.flatMap((o) => {
        if (o.failureReason === undefined) return [];
        const reason = o.reason ?? 'not stored';
        return [
          o.sopInstanceUid === undefined
            ? { index: o.index, reason }
            : { index: o.index, sopInstanceUid: o.sopInstanceUid, reason },
        ];
      }),
    };
  }

  /** Stores instances one by one; with `studyUid`, instances of other studies are refused (STOW to `/studies/{s}`). */
  async storeDetailed(
    instances: readonly Uint8Array[],
    options: { studyUid?: string } = {},
  ): Promise<EmbeddedStoreOutcome[]> {
    const outcomes: EmbeddedStoreOutcome[] = [];
    for (const [index, bytes] of instances.entries())
      outcomes.push(await this.storeOne(index, bytes, options.studyUid));
    return outcomes;
  }

  async searchStudies(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const results = [...this.studies.values()].map((seriesMap) => {
      const instances = [...seriesMap.values()].flatMap((sops) => [...sops.values()]);
      const modalities = [
        ...new Set(instances.map((i) => firstString(i.header, TAG.Modality)).filter((m) => m !== undefined)),
      ].sort();
      return {
        ...pickAttributes(instances[0].header, QIDO_STUDY_TAGS),
        ...(modalities.length > 0 ? { [TAG.ModalitiesInStudy]: { vr: 'CS', Value: modalities } } : {}),
        [TAG.NumberOfStudyRelatedSeries]: { vr: 'IS', Value: [seriesMap.size] },
        [TAG.NumberOfStudyRelatedInstances]: { vr: 'IS', Value: [instances.length] },
      };
    });
    results.sort(
      (a, b) =>
        compareText(firstString(b, TAG.StudyDate), firstString(a, TAG.StudyDate)) ||
        compareText(firstString(b, TAG.StudyTime), firstString(a, TAG.StudyTime)) ||
        compareText(firstString(a, TAG.StudyInstanceUID), firstString(b, TAG.StudyInstanceUID)),
    );
    return applyQidoFilter(results, parseQidoQuery(query));
  }

  async searchSeries(studyUid: string, query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const seriesMap =
      this.studies.get(assertDicomUid(studyUid, 'studyUid')) ?? new Map<string, Map<string, IndexedInstance>>();
    const results = [...seriesMap.values()].map((sops) => ({
      ...pickAttributes([...sops.values()][0].header, QIDO_SERIES_TAGS),
      [TAG.NumberOfSeriesRelatedInstances]: { vr: 'IS', Value: [sops.size] },
    }));
    results.sort((a, b) => compareNumbered(a, b, TAG.SeriesNumber, TAG.SeriesInstanceUID));
    return applyQidoFilter(results, parseQidoQuery(query));
  }

  async searchInstances(studyUid: string, seriesUid?: string, query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const instances = this.instancesOf(studyUid, seriesUid, false);
    const results = instances.map((instance) => pickAttributes(instance.header, QIDO_INSTANCE_TAGS));
    return applyQidoFilter(results, parseQidoQuery(query));
  }

  async searchAllSeries(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const results = [...this.studies.values()].flatMap((seriesMap) =>
      [...seriesMap.values()].map((sops) => ({
        ...pickAttributes([...sops.values()][0].header, [...QIDO_SERIES_TAGS, TAG.StudyInstanceUID]),
        [TAG.NumberOfSeriesRelatedInstances]: { vr: 'IS', Value: [sops.size] },
      })),
    );
    return applyQidoFilter(results, parseQidoQuery(query));
  }

  async searchAllInstances(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const results = [...this.studies.values()].flatMap((seriesMap) =>
      [...seriesMap.values()].flatMap((sops) => [...sops.values()].map((instance) => pickAttributes(instance.header, [...QIDO_INSTANCE_TAGS, TAG.StudyInstanceUID, TAG.SeriesInstanceUID]))),
    );
    return applyQidoFilter(results, parseQidoQuery(query));
  }

  async retrieveInstance(studyUid: string, seriesUid: string, sopInstanceUid: string): Promise<Uint8Array> {
    return this.readInstanceFile(this.findInstance(studyUid, seriesUid, sopInstanceUid));
  }

  retrieveMetadata(studyUid: string, seriesUid?: string): Promise<DicomJsonDataset[]> {
    return this.metadata(studyUid, seriesUid, this.publicBaseUrl);
  }

  /**
   * Like {@link retrieveMetadata}, with BulkDataURIs under `baseUrl` (the router passes the request's own root);
   * with `sopInstanceUid`, only that instance.
   */
  async metadata(
    studyUid: string,
    seriesUid: string | undefined,
    baseUrl: string,
    sopInstanceUid?: string,
  ): Promise<DicomJsonDataset[]> {
    const instances =
      sopInstanceUid === undefined || seriesUid === undefined
        ? this.instancesOf(studyUid, seriesUid, true)
        : [this.findInstance(studyUid, seriesUid, sopInstanceUid)];
    const results: DicomJsonDataset[] = [];
    for (const instance of instances) {
      const part10 = parsePart10(await this.readInstanceFile(instance));
      // The frame count is the one checked against the Pixel Data when the instance was stored, never the header's.
      const frameList = Array.from({ length: instance.frames }, (_, i) => i + 1).join(',');
      const uri = instance.frames === 0 ? undefined : `${baseUrl}/studies/${instance.studyUid}/series/${instance.seriesUid}/instances/${instance.sopUid}/frames/${frameList}`;
      results.push(toDicomJson(part10.dataset, uri));
    }
    return results;
  }

  async retrieveFrames(
    studyUid: string,
    seriesUid: string,
    sopInstanceUid: string,
    frames: readonly number[],
  ): Promise<Uint8Array[]> {
    return (await this.readFrames(studyUid, seriesUid, sopInstanceUid, frames)).frames;
  }

  /**
   * Frames (1-based) with the transfer syntax they are in: native data is reported as explicit VR little endian,
   * whose frame bytes are the same as implicit VR's.
   */
  async readFrames(
    studyUid: string,
    seriesUid: string,
    sopInstanceUid: string,
    frames: readonly number[],
  ): Promise<{ transferSyntaxUid: string; frames: Uint8Array[] }> {
    const instance = this.findInstance(studyUid, seriesUid, sopInstanceUid);
    const part10 = parsePart10(await this.readInstanceFile(instance));
    const pixelData = pixelDataOf(part10.dataset);
    if (pixelData === undefined) throw notFound(`instance ${sopInstanceUid} has no Pixel Data`);
    const all = splitFrames(toDicomJson(part10.dataset), part10.transferSyntaxUid, pixelData);
    const selected = frames.map((frame) => {
      if (!Number.isInteger(frame) || frame < 1 || frame > all.length) {
        throw notFound(`instance ${sopInstanceUid} has ${all.length} frame(s), frame ${frame} was asked for`);
      }
      return all[frame - 1];
    });
    const native = isNativeTransferSyntax(part10.transferSyntaxUid);
    return { transferSyntaxUid: native ? EXPLICIT_VR_LITTLE_ENDIAN : part10.transferSyntaxUid, frames: selected };
  }

  private async storeOne(
    index: number,
    bytes: Uint8Array,
    requiredStudyUid: string | undefined,
  ): Promise<EmbeddedStoreOutcome> {
    let header: DicomJsonDataset;
    let part10: ReturnType<typeof parsePart10>;
    try {
      part10 = parsePart10(bytes);
      header = toDicomJson(part10.dataset);
    } catch (error) {
      const reason = `not a readable DICOM Part 10 file: ${error instanceof Error ? error.message : String(error)}`;
      return { index, failureReason: STOW_FAILURE.cannotUnderstand, reason };
    }
    const sopClassUid = firstString(header, TAG.SOPClassUID);
    const sopInstanceUid = firstString(header, TAG.SOPInstanceUID);
    const studyUid = firstString(header, TAG.StudyInstanceUID);
    const seriesUid = firstString(header, TAG.SeriesInstanceUID);
    const ids = { index, sopClassUid, sopInstanceUid };
    const invalid = [
      ['SOPInstanceUID', sopInstanceUid],
      ['StudyInstanceUID', studyUid],
      ['SeriesInstanceUID', seriesUid],
    ].find(([, uid]) => uid === undefined || !isDicomUid(uid));
    if (invalid !== undefined || !sopInstanceUid || !studyUid || !seriesUid) {
      return {
        ...ids,
        failureReason: STOW_FAILURE.cannotUnderstand,
        reason: `missing or invalid ${invalid?.[0] ?? 'UID'}`,
      };
    }
    let frames: number;
    try {
      // Sizes come from the header, which may lie: held to the Pixel Data really sent, before anything is kept.
      const geometry = readPixelGeometry(header, part10.hasPixelData, this.maxPixelBytes);
      if (part10.hasPixelData) checkPixelDataLength(geometry, part10.transferSyntaxUid, pixelDataOf(part10.dataset) ?? []);
      frames = geometry.frames;
    } catch (error) {
      return { ...ids, failureReason: STOW_FAILURE.cannotUnderstand, reason: error instanceof Error ? error.message : String(error) };
    }
    if (requiredStudyUid !== undefined && studyUid !== requiredStudyUid) {
      return {
        ...ids,
        failureReason: STOW_FAILURE.studyMismatch,
        reason: `belongs to study ${studyUid}, not ${requiredStudyUid}`,
      };
    }
    const path = join(this.dataDir, studyUid, seriesUid, `${sopInstanceUid}.dcm`);
    try {
      await this.assertRoom(bytes.length, this.bySop.get(sopInstanceUid)?.bytes ?? 0);
    } catch (error) {
      return { ...ids, failureReason: STOW_FAILURE.outOfResources, reason: error instanceof Error ? error.message : String(error) };
    }
    try {
      await writeFileAtomic(path, bytes, join(this.dataDir, TEMP_DIR));
      const previous = this.bySop.get(sopInstanceUid);
      if (previous !== undefined && previous.path !== path) {
        this.unindex(previous);
        await rm(previous.path, { force: true }); // the same SOP instance moved to another study/series
      }
    } catch (error) {
      this.log?.('warn', 'embedded store could not write an instance', { path, error: String(error) });
      return {
        ...ids,
        failureReason: STOW_FAILURE.processingFailure,
        reason: `could not be written: ${String(error)}`,
      };
    }
    this.index({ studyUid, seriesUid, sopUid: sopInstanceUid, path, header: pickAttributes(header, INDEX_TAGS), frames, bytes: bytes.length });
    return { ...ids, studyUid, seriesUid };
  }

  private async scan(): Promise<void> {
    for (const found of await scanStoreFolder(this.dataDir, this.log)) {
      // Files stored before the size checks existed, or put here by hand, are held to the same rules: the file's
      // size bounds its Pixel Data.
      let frames: number;
      try {
        const geometry = readPixelGeometry(found.header, found.hasPixelData, this.maxPixelBytes);
        if (isNativeTransferSyntax(found.transferSyntaxUid) && geometry.decodedBytes > found.fileBytes) {
          throw new Error(`its header claims ${geometry.decodedBytes} bytes of Pixel Data in a file of ${found.fileBytes} bytes`);
        }
        frames = geometry.frames;
      } catch (error) {
        this.log?.('warn', 'embedded store skips a file whose header does not fit its data', { path: found.path, error: String(error) });
        continue;
      }
      this.index({ studyUid: found.studyUid, seriesUid: found.seriesUid, sopUid: found.sopUid, path: found.path, header: pickAttributes(found.header, INDEX_TAGS), frames, bytes: found.fileBytes });
    }
  }

  private index(instance: IndexedInstance): void {
    const replaced = this.bySop.get(instance.sopUid);
    if (replaced !== undefined && replaced.path === instance.path) this.usedBytes -= replaced.bytes;
    this.usedBytes += instance.bytes;
    const seriesMap = this.studies.get(instance.studyUid) ?? new Map<string, Map<string, IndexedInstance>>();
    const sops = seriesMap.get(instance.seriesUid) ?? new Map<string, IndexedInstance>();
    sops.set(instance.sopUid, instance);
    seriesMap.set(instance.seriesUid, sops);
    this.studies.set(instance.studyUid, seriesMap);
    this.bySop.set(instance.sopUid, instance);
  }

  private unindex(instance: IndexedInstance): void {
    const seriesMap = this.studies.get(instance.studyUid);
    const sops = seriesMap?.get(instance.seriesUid);
    sops?.delete(instance.sopUid);
    if (sops?.size === 0) seriesMap?.delete(instance.seriesUid);
    if (seriesMap?.size === 0) this.studies.delete(instance.studyUid);
    this.bySop.delete(instance.sopUid);
    this.usedBytes -= instance.bytes;
  }

  /** Instances of a study (or one series), sorted by series then instance number; missing -> [] or PACS_NOT_FOUND. */
  private instancesOf(studyUid: string, seriesUid: string | undefined, required: boolean): IndexedInstance[] {
    const seriesMap = this.studies.get(assertDicomUid(studyUid, 'studyUid'));
    const selected =
      seriesUid === undefined
        ? [...(seriesMap?.values() ?? [])]
        : [seriesMap?.get(assertDicomUid(seriesUid, 'seriesUid'))];
    const instances = selected.flatMap((sops) => [...(sops?.values() ?? [])]);
    if (required && instances.length === 0)
      throw notFound(
        `no ${seriesUid === undefined ? `study ${studyUid}` : `series ${seriesUid} in study ${studyUid}`}`,
      );
    return instances.sort(
      (a, b) =>
        compareNumbered(a.header, b.header, TAG.SeriesNumber, TAG.SeriesInstanceUID) ||
        compareNumbered(a.header, b.header, TAG.InstanceNumber, TAG.SOPInstanceUID),
    );
  }

  private findInstance(studyUid: string, seriesUid: string, sopInstanceUid: string): IndexedInstance {
    const instance = this.studies
      .get(assertDicomUid(studyUid, 'studyUid'))
      ?.get(assertDicomUid(seriesUid, 'seriesUid'))
      ?.get(assertDicomUid(sopInstanceUid, 'sopInstanceUid'));
    if (instance === undefined)
      throw notFound(`no instance ${sopInstanceUid} in series ${seriesUid} of study ${studyUid}`);
    return instance;
  }

  private async readInstanceFile(instance: IndexedInstance): Promise<Uint8Array> {
    return new Uint8Array(await readFile(instance.path));
  }
}

function notFound(message: string): ChexgenError {
  return new ChexgenError('PACS_NOT_FOUND', `embedded store: ${message}`, { status: 404 });
}

function compareText(a: string | undefined, b: string | undefined): number {
  return (a ?? '').localeCompare(b ?? '');
}

function compareNumbered(a: DicomJsonDataset, b: DicomJsonDataset, numberTag: string, uidTag: string): number {
  const byNumber =
    (firstNumber(a, numberTag) ?? Number.MAX_SAFE_INTEGER) - (firstNumber(b, numberTag) ?? Number.MAX_SAFE_INTEGER);
  return byNumber || compareText(firstString(a, uidTag), firstString(b, uidTag));
}
