import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PacsLog } from './DicomStore.js';
import { TAG, firstString, type DicomJsonDataset } from '../dicom/dicomJson.js';
import { isDicomUid } from './dicomUid.js';
import { parsePart10, toDicomJson } from '../dicom/readPart10.js';

/** An instance file found on disk, with its header attributes (Pixel Data not read). */
export type FoundInstance = {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  path: string;
  header: DicomJsonDataset;
  transferSyntaxUid: string;
  hasPixelData: boolean;
  /** Size of the file: an upper bound of its Pixel Data, to hold the header's claims to. */
  fileBytes: number;
};

const HEAD_BYTES = 64 * 1024; // headers almost always end before this; longer ones are read whole

/**
 * Lists the instances stored under `<dataDir>/<study>/<series>/<sop>.dcm`. Files that cannot be read, or whose
 * UIDs do not match their path, are skipped with a warning rather than failing the whole store.
 */
export async function scanStoreFolder(dataDir: string, log?: PacsLog): Promise<FoundInstance[]> {
  const found: FoundInstance[] = [];
  for (const studyUid of await uidFolders(dataDir)) {
    for (const seriesUid of await uidFolders(join(dataDir, studyUid))) {
      const folder = join(dataDir, studyUid, seriesUid);
      for (const file of (await readdir(folder)).filter((name) => name.endsWith('.dcm'))) {
        const path = join(folder, file);
        const sopUid = file.slice(0, -'.dcm'.length);
        let read: Awaited<ReturnType<typeof readHeader>>;
        try {
          read = await readHeader(path);
        } catch (error) {
          log?.('warn', 'embedded store skips an unreadable file', { path, error: String(error) });
          continue;
        }
        const { header } = read;
        const uids = [TAG.StudyInstanceUID, TAG.SeriesInstanceUID, TAG.SOPInstanceUID].map((tag) =>
          firstString(header, tag),
        );
        if (uids[0] !== studyUid || uids[1] !== seriesUid || uids[2] !== sopUid) {
          log?.('warn', 'embedded store skips a file whose UIDs do not match its path', { path });
          continue;
        }
        found.push({ studyUid, seriesUid, sopUid, path, ...read });
      }
    }
  }
  return found;
}

async function uidFolders(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && isDicomUid(entry.name)).map((entry) => entry.name);
}

// Parses the header from the first 64 KiB, reading the whole file only when the header is longer than that.
async function readHeader(path: string): Promise<{ header: DicomJsonDataset; transferSyntaxUid: string; hasPixelData: boolean; fileBytes: number }> {
  const handle = await open(path, 'r');
  let fileBytes: number;
  try {
    fileBytes = (await handle.stat()).size;
    const head = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    try {
      const part10 = parsePart10(head.subarray(0, bytesRead), { headerOnly: true });
      return { header: toDicomJson(part10.dataset), transferSyntaxUid: part10.transferSyntaxUid, hasPixelData: part10.hasPixelData, fileBytes };
    } catch (error) {
      if (bytesRead < HEAD_BYTES) throw error;
    }
  } finally {
    await handle.close();
  }
  const part10 = parsePart10(new Uint8Array(await readFile(path)), { headerOnly: true });
  return { header: toDicomJson(part10.dataset), transferSyntaxUid: part10.transferSyntaxUid, hasPixelData: part10.hasPixelData, fileBytes };
}
