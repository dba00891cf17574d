#!/usr/bin/env bash
# The whole suite: installs what the tests need, typechecks, checks the module map (a forbidden import fails here),
# runs the Python model-kit tests and the TypeScript tests (which include the PyTorch-vs-onnxruntime parity test and
# test/architecture, the module map against the code and the docs), then prints one summary line.
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
echo "== TypeScript (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
ts_status=$?
set -e
node scripts/summarize-tests.mjs .tmp/pytest.log .tmp/vitest.json
[ "$py_status" = 0 ] && [ "$ts_status" = 0 ]
