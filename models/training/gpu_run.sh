#!/usr/bin/env bash
# The one prepared GPU run (models/README.md, "Training on the GPU machine"). Checkpoints land in $OUT as training
# goes (at most 8 files under 16 MiB come back); export and evaluation happen on the CPU afterwards.
#
# Default: continue a release from its latent bundle (npm run model:bundle): no images, no VAE, no model folder need
# to travel. Prepare on the CPU machine, then call the device with carry models/training/.cache/gpu-bundle:
#   npm run model:bundle -- --from cxr256-gpu-v1.1
#   git rm -r -q --cached models/cxr256-gpu-v1 models/cxr256-gpu-v1.1    # the model folders (72 MB) would put the
#   echo '/models/cxr256-gpu-v1*/' >> .git/info/exclude                   # working tree over its 64 MiB limit;
#   ... device run: bash models/training/gpu_run.sh ...                   # undo both afterwards: git reset -q and
#                                                                         # remove the exclude line
# Knobs: DIT_SECONDS (default 420), LR (peak, default 3e-4, cosine to 1e-5 over the last 30%), BATCH (default 512).
#   MODE=scratch  trains VAE + DiT from the image pack (.cache/pack-256.npz must be carried instead)
#   DEVICE=cpu PYTHON=/usr/bin/python3 BUNDLE=/tmp/b64 OUT=/tmp/r64 DIT_SECONDS=60 BATCH=4: the CPU smoke test of
#   this very script (bundle from `npm run model:bundle -- --from cxr256-gpu-v1.1 --limit 64 --out /tmp/b64`)
set -euo pipefail
: "${OUT:?OUT must name the folder the checkpoints go to (the device sets it)}"
mkdir -p "$OUT"
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
"${PYTHON:-python3}" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
export PYTHONUNBUFFERED=1
if [ "${MODE:-bundle}" = scratch ]; then
  "${PYTHON:-python3}" -u -m chexgen_train.train --config gpu --device "${DEVICE:-cuda}" --pack .cache/pack-256.npz --out "$OUT" \
    --vae-seconds "${VAE_SECONDS:-140}" --dit-seconds "${DIT_SECONDS:-270}" "$@" 2>&1 | tee "$OUT/train.log"
else
  "${PYTHON:-python3}" -u -m chexgen_train.train --config gpu --device "${DEVICE:-cuda}" --bundle "${BUNDLE:-.cache/gpu-bundle}" --out "$OUT" \
    --dit-seconds "${DIT_SECONDS:-420}" --lr "${LR:-3e-4}" --batch "${BATCH:-512}" --no-preview "$@" 2>&1 \
    | tee "$OUT/train.log"
fi
ls -la "$OUT"
