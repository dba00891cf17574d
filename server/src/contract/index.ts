/**
 * The wire contract of the chexgen API, the one module the server, the CLI and the OHIF extension share: the request
 * and response schemas (zod) and their types, the vocabulary and limits, the JSON Schemas the OpenAPI document is
 * made of, and the pure rules a client needs to build requests exactly as the server reads them: the prompt rule,
 * the condition labels and the run-length codec of masks. Pure and free of Node APIs (the extension bundles it);
 * it imports only zod and the shared condition vocabulary (server/src/conditions).
 */
export * from './vocabulary.js';
export * from './requests.js';
export * from './responses.js';
export { contractJsonSchemas, contractSchemas, SCHEMA_REF_PREFIX, type ContractSchemaName, type JsonSchema } from './jsonSchemas.js';
export { compilePrompt, promptPrefix } from './promptPrefix.js';
export { SEXES, VIEWS, type BoxCondition, type RunLengthMask, type Sex, type View } from '../conditions/conditionTypes.js';
export { BOX_SYNONYMS, findChannel, normaliseLabel } from '../conditions/conditionLabels.js';
export { countRuns, decodeRuns, encodeRuns, insidePixels, normaliseRuns } from '../conditions/runLength.js';
