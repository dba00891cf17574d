#!/usr/bin/env bash
# Sets up chexgen for running (no Debian packages needed: onnxruntime-node and sharp ship their native parts).
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [maj] = process.versions.node.split(".").map(Number); if (maj !== 20) { console.error(`chexgen needs Node 20, found ${process.version}`); process.exit(1); }'
# onnxruntime-node's postinstall would fetch CUDA libraries from the network; the CPU provider is bundled.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build:extension # the chexgen OHIF extension and mode into extension/dist, served at /plugins/
scripts/fetch-viewer.sh # the prebuilt OHIF viewer (npm registry only), served at / by `chexgen serve`
node bin/chexgen.mjs models
