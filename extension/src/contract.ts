/**
 * The wire contract of the chexgen API, shared with the server and the CLI: server/src/contract (zod schemas and
 * their types, the vocabulary and limits, the prompt rule, the condition labels and the run-length codec of masks).
 * The extension imports the server through this one module and restates none of it (`npm run lint:boundaries`).
 */
export * from '../../server/src/contract/index';
