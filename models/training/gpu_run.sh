#!/usr/bin/env bash
# The one prepared GPU run (see models/README.md): VAE + DiT training on the packed train split, checkpoints written
# into $OUT as it goes (at most 8 files of < 16 MiB come back). Export and evaluation happen on the CPU afterwards.
#   RESUME_FROM=../cxr256-gpu-v1  continue the released model's DiT and text encoder instead (its VAE is kept), so
#                                 the whole budget (DIT_SECONDS, default 400 then) goes to the denoiser.
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
if [ -n "${RESUME_FROM:-}" ]; then
  python3 -u -m chexgen_train.train --config gpu --device cuda --pack .cache/pack-256.npz --out "$OUT" \
    --resume-from "$RESUME_FROM" --dit-seconds "${DIT_SECONDS:-400}" "$@" 2>&1 | tee "$OUT/train.log"
else
  python3 -u -m chexgen_train.train --config gpu --device cuda --pack .cache/pack-256.npz --out "$OUT" \
    --vae-seconds "${VAE_SECONDS:-140}" --dit-seconds "${DIT_SECONDS:-270}" "$@" 2>&1 | tee "$OUT/train.log"
fi
ls -la "$OUT"
