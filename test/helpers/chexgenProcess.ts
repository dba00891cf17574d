// `chexgen` commands in child processes; shared with the bench tools (npm run load -- --workers).
export * from '../../server/src/bench/ChexgenProcess.js';
