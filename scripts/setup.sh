#!/usr/bin/env bash
# Sets up chexgen for running on Node 20.19+, 22.13+ or 24+ (no Debian packages needed: onnxruntime-node and sharp
# ship their native parts; better-sqlite3 is compiled by node-gyp against the running Node's headers when no
# prebuilt binary can be fetched). Builds the server into server/dist, so `npm start` needs no dev dependencies:
# after this, `npm ci --omit=dev` (or `npm prune --omit=dev`) leaves a runnable production install.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/check-node.mjs
# node-gyp gets this Node's own headers (a nodedir set for another Node would build an addon that cannot load)
nodedir="$(node scripts/node-headers.mjs "${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}")"
[ -z "$nodedir" ] || export npm_config_nodedir="$nodedir"
# onnxruntime-node's postinstall would fetch CUDA libraries from the network; the CPU provider is bundled.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build           # the server and CLI compiled to JavaScript (server/dist), what `npm start` runs
npm run build:extension # the chexgen OHIF extension and mode into extension/dist, served at /plugins/
scripts/fetch-viewer.sh # the prebuilt OHIF viewer (npm registry only), served at / by `chexgen serve`
node bin/chexgen.mjs models
