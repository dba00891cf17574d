#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine with Node 20, 22 or 24: Debian packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
# python3-torch/onnx: the model kit and the parity test (torch 1.13, only visible to /usr/bin/python3);
# python3-scipy, python3-matplotlib: the evaluation's statistics (Wilcoxon, sign test, Wilson intervals) and charts.
# libopenblas0-pthread: makes Debian's torch use OpenBLAS instead of the reference BLAS (30x faster matmuls).
# chromium: the headless OHIF viewer test (playwright-core drives /usr/bin/chromium; `playwright install` cannot work here).
# python3-pydicom: a second source-frame reader of our SEG; python3-nibabel: reads the NIfTI dataset export back the
# way MONAI's loaders do.
# postgresql: the scale-out tests start a throwaway cluster from /usr/lib/postgresql/<major>/bin (initdb, pg_ctl; as
# the package's `postgres` user when run as root); the packaged service itself is not used.
PKGS=(python3-torch python3-onnx python3-pytest python3-pil python3-numpy python3-scipy python3-matplotlib libopenblas0-pthread dcmtk dicom3tools orthanc orthanc-dicomweb chromium python3-pydicom python3-nibabel postgresql)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# node-gyp builds better-sqlite3 against this Node's own headers (scripts/node-headers.mjs says why)
nodedir="$(node scripts/node-headers.mjs "${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}")"
[ -z "$nodedir" ] || export npm_config_nodedir="$nodedir"
# onnxruntime-node's postinstall would download CUDA libraries from an unreachable host; .npmrc skips it (and so
# does this variable, for npm versions that drop the .npmrc key)
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build:extension # the chexgen OHIF extension and mode (extension/dist) for the e2e test
scripts/fetch-viewer.sh # the prebuilt OHIF viewer for the viewer tests (npm registry only)
