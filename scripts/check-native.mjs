// npm's postinstall of chexgen itself (also on `npm ci --omit=dev`): checks that better-sqlite3's native addon loads
// in the Node running the install, and when it was compiled for another Node, rebuilds it against this Node's
// headers. That happens where npm is configured with a nodedir of another Node (e.g. ~/.npmrc nodedir=/usr holding
// Node 20's headers, used by Node 24): better-sqlite3's prebuilt binaries come from GitHub, which such machines
// cannot reach, so node-gyp compiles it, and with the wrong headers the server then fails at start with
// "compiled against a different Node.js version". Uses Node's own modules only (it runs without dev dependencies).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const loads = () =>
  spawnSync(process.execPath, ['-e', "const D = require('better-sqlite3'); new D(':memory:').close();"], { cwd: repo, encoding: 'utf8' });

const first = loads();
if (first.status === 0) process.exit(0);
if (!/NODE_MODULE_VERSION|different Node\.js version/.test(first.stderr)) {
  // not installed (yet), or another failure: say so, but do not fail the install on it
  console.error(`chexgen: better-sqlite3 does not load (${first.stderr.trim().split('\n')[0]}); the server needs it`);
  process.exit(0);
}
const nodedir = execFileSync(process.execPath, [fileURLToPath(new URL('node-headers.mjs', import.meta.url))], { encoding: 'utf8' }).trim();
console.error(`chexgen: better-sqlite3 was built for another Node; rebuilding it for Node ${process.versions.node}${nodedir ? ` (headers in ${nodedir})` : ''}`);
const npm = process.env.npm_execpath;
const env = { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) };
if (npm) execFileSync(process.execPath, [npm, 'rebuild', 'better-sqlite3'], { cwd: repo, env, stdio: 'inherit' });
else execFileSync('npm', ['rebuild', 'better-sqlite3'], { cwd: repo, env, stdio: 'inherit' });
const second = loads();
if (second.status !== 0) {
  console.error(`chexgen: better-sqlite3 still does not load after the rebuild:\n${second.stderr}`);
  process.exit(1);
}
