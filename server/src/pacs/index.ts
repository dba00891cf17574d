export type { DicomStore, PacsLog, QidoQuery, StoreFailure, StoreResult } from './DicomStore.js';
export { DicomWebClient, type DicomWebAuth, type DicomWebClientOptions } from './DicomWebClient.js';
export { EmbeddedStore, type EmbeddedStoreOptions } from './EmbeddedStore.js';
export {
  createEmbeddedDicomWebRouter,
  type DicomWebHandler,
  type EmbeddedDicomWebRouterOptions,
} from './createEmbeddedDicomWebRouter.js';
export {
  TAG,
  firstNumber,
  firstString,
  sequenceItems,
  type DicomJsonDataset,
  type DicomJsonElement,
} from '../dicom/dicomJson.js';
export type { RetryPolicy } from './fetchWithRetry.js';
