#!/usr/bin/env bash
# The whole suite: installs what the tests need, typechecks, checks the module map (a forbidden import fails here),
# runs the Python model-kit tests and the TypeScript tests (which include the PyTorch-vs-onnxruntime parity test and
# test/architecture, the module map against the code and the docs), then the server, CLI, runtime and DICOM tests
# again under Node 24 from the npm registry (scripts/test-node24.sh; skipped when the Node on PATH is already 24),
# then prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
mkdir -p .tmp
npm run --silent typecheck
echo "== module map (dependency-cruiser, .dependency-cruiser.cjs)"
npm run --silent lint:boundaries
echo "== model kit (pytest, Debian torch)"
set +e
/usr/bin/python3 -m pytest -q -p no:cacheprovider models/training/tests 2>&1 | tee .tmp/pytest.log
py_status=${PIPESTATUS[0]}
echo "== TypeScript (vitest, Node $(node --version))"
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
ts_status=$?
reports=(.tmp/vitest.json)
node24_status=0
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 24 ]; then
  bash scripts/test-node24.sh .tmp/vitest-node24.json
  node24_status=$?
  reports+=(.tmp/vitest-node24.json)
fi
set -e
node scripts/summarize-tests.mjs .tmp/pytest.log "${reports[@]}"
[ "$py_status" = 0 ] && [ "$ts_status" = 0 ] && [ "$node24_status" = 0 ]
