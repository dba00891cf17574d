// Prints one "N passed, N failed" line for the pytest run and every vitest run together (CI reads that line): the
// suite on the Node on PATH and the focused run under Node 24 (scripts/test-node24.sh). Tests that vitest counted
// but never finished (a test worker that crashed) count as failed, and so does a vitest run that left no report (it
// could not start, e.g. Node 24 could not be installed), so the line cannot look green while the run was not.
// Usage: node scripts/summarize-tests.mjs pytest.log vitest.json [more vitest reports...]
import { existsSync, readFileSync } from 'node:fs';

const [pytestLog, ...vitestReports] = process.argv.slice(2);
const py = readFileSync(pytestLog, 'utf8');
const count = (word) => Number((py.match(new RegExp(`(\\d+) ${word}`)) ?? [0, 0])[1]);
let passed = count('passed');
let failed = count('failed') + count('error');
let skipped = count('skipped');
const notes = [];
for (const report of vitestReports) {
  if (!existsSync(report)) {
    failed += 1;
    notes.push(`${report}: no report, the run did not happen (counted as 1 failed)`);
    continue;
  }
  const vt = JSON.parse(readFileSync(report, 'utf8'));
  const notRun = Math.max(0, vt.numTotalTests - vt.numPassedTests - vt.numFailedTests - vt.numPendingTests - (vt.numTodoTests ?? 0));
  passed += vt.numPassedTests;
  failed += vt.numFailedTests + notRun;
  skipped += vt.numPendingTests + (vt.numTodoTests ?? 0);
  if (notRun > 0) notes.push(`${report}: ${notRun} never finished (a test worker crashed)`);
  if (vitestReports.length > 1) console.log(`  of which ${report}: passed ${vt.numPassedTests}, failed ${vt.numFailedTests + notRun}`);
}
for (const note of notes) console.log(`note: ${note}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
