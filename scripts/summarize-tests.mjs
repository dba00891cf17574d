// Prints one "N passed, N failed" line for the pytest and vitest runs together (CI reads that line). Tests that
// vitest counted but never finished (a test worker that crashed) count as failed, so the line cannot look green
// while the run was not.
import { readFileSync } from 'node:fs';

const [pytestLog, vitestJson] = process.argv.slice(2);
const py = readFileSync(pytestLog, 'utf8');
const count = (word) => Number((py.match(new RegExp(`(\\d+) ${word}`)) ?? [0, 0])[1]);
const vt = JSON.parse(readFileSync(vitestJson, 'utf8'));
const notRun = Math.max(0, vt.numTotalTests - vt.numPassedTests - vt.numFailedTests - vt.numPendingTests - (vt.numTodoTests ?? 0));
const passed = count('passed') + vt.numPassedTests;
const failed = count('failed') + count('error') + vt.numFailedTests + notRun;
const skipped = count('skipped') + vt.numPendingTests + (vt.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped${notRun > 0 ? ` (${notRun} never finished: a test worker crashed)` : ''}`);
