// A private Orthanc for tests; the class lives with the bench tools (npm run load starts one too).
export * from '../../server/src/bench/TempOrthanc.js';
