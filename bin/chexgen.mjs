#!/usr/bin/env node
// The `chexgen` command (`npm start` is `chexgen serve`). It runs the server compiled to JavaScript in server/dist
// (`npm run build`; scripts/setup.sh builds it), so a production install (`npm ci --omit=dev`) needs no TypeScript
// tooling. After changing server/src, run `npm run build` again (the test suite builds by itself).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../server/dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('chexgen is not built: run `npm run build` (scripts/setup.sh does) to compile server/src into server/dist\n');
  process.exit(1);
}
// Stack traces name the TypeScript lines (tsc writes source maps beside the JavaScript).
process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
