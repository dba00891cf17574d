import type { StoreFailure, StoreResult } from './DicomStore.js';
import { TAG, firstNumber, firstString, sequenceItems, type DicomJsonDataset } from '../dicom/dicomJson.js';

/** STOW-RS failure reasons (PS3.18 Table I.2-1 / PS3.4 Annex GG) that the embedded store reports. */
export const STOW_FAILURE = {
  /** 0xC000: the object could not be parsed. */
  cannotUnderstand: 0xc000,
  /** 0x0110: the object was understood but could not be stored. */
  processingFailure: 0x0110,
  /** 0xA900: the object does not belong to the study the request addressed. */
  studyMismatch: 0xa900,
  /** 0xA700: out of resources (the store's quota or the disk is full). */
  outOfResources: 0xa700,
} as const;

/** One acknowledged or refused instance, as a STOW-RS reply lists it. */
export type StowOutcome = {
  sopClassUid?: string;
  sopInstanceUid?: string;
  retrieveUrl?: string;
  failureReason?: number;
};

/**
 * Builds a STOW-RS reply (PS3.18 10.5.3): ReferencedSOPSequence for stored instances, FailedSOPSequence (with
 * FailureReason) for the others, and the study's RetrieveURL when known.
 */
export function buildStowResponse(outcomes: readonly StowOutcome[], studyRetrieveUrl?: string): DicomJsonDataset {
  const item = (outcome: StowOutcome): DicomJsonDataset => {
    const dataset: DicomJsonDataset = {};
    if (outcome.sopClassUid) dataset[TAG.ReferencedSOPClassUID] = { vr: 'UI', Value: [outcome.sopClassUid] };
    if (outcome.sopInstanceUid) dataset[TAG.ReferencedSOPInstanceUID] = { vr: 'UI', Value: [outcome.sopInstanceUid] };
    if (outcome.failureReason !== undefined) dataset[TAG.FailureReason] = { vr: 'US', Value: [outcome.failureReason] };
    if (outcome.retrieveUrl) dataset[TAG.RetrieveURL] = { vr: 'UR', Value: [outcome.retrieveUrl] };
    return dataset;
  };
  const stored = outcomes.filter((outcome) => outcome.failureReason === undefined).map(item);
  const failed = outcomes.filter((outcome) => outcome.failureReason !== undefined).map(item);
  const reply: DicomJsonDataset = {};
  if (studyRetrieveUrl) reply[TAG.RetrieveURL] = { vr: 'UR', Value: [studyRetrieveUrl] };
  reply[TAG.FailedSOPSequence] = failed.length > 0 ? { vr: 'SQ', Value: failed } : { vr: 'SQ' };
  reply[TAG.ReferencedSOPSequence] = stored.length > 0 ? { vr: 'SQ', Value: stored } : { vr: 'SQ' };
  return reply;
}

/**
 * Reads a STOW-RS reply against what was sent. An instance counts as stored only when the reply references its
 * SOPInstanceUID; Orthanc 1.10 leaves unparseable parts out of both sequences (and its FailedSOPSequence is
 * always present, usually empty), so anything unaccounted for is reported as a failure too.
 *
 * @param sentSopInstanceUids the SOPInstanceUID of each sent part, undefined where it could not be read.
 */
export function interpretStowResponse(
  reply: DicomJsonDataset,
  sentSopInstanceUids: readonly (string | undefined)[],
  httpStatus: number,
): StoreResult {
  const referenced = new Set(
    sequenceItems(reply, TAG.ReferencedSOPSequence).map((item) => firstString(item, TAG.ReferencedSOPInstanceUID)),
  );
  const failureReasons = new Map<string | undefined, number | undefined>();
  for (const item of sequenceItems(reply, TAG.FailedSOPSequence)) {
    failureReasons.set(firstString(item, TAG.ReferencedSOPInstanceUID), firstNumber(item, TAG.FailureReason));
  }
  const stored: string[] = [];
  const failed: StoreFailure[] = [];
  sentSopInstanceUids.forEach((sopInstanceUid, index) => {
    if (sopInstanceUid !== undefined && referenced.has(sopInstanceUid)) {
      stored.push(sopInstanceUid);
      return;
    }
    const code = failureReasons.get(sopInstanceUid);
    const reason = failureReasons.has(sopInstanceUid)
      ? `refused by the PACS, failure reason ${code === undefined ? 'unknown' : `0x${code.toString(16).toUpperCase().padStart(4, '0')}`}`
      : `not acknowledged by the PACS (HTTP ${httpStatus})`;
    failed.push(sopInstanceUid === undefined ? { index, reason } : { index, sopInstanceUid, reason });
  });
  return { stored, failed };
}
