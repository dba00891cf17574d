#!/usr/bin/env bash
# The one prepared GPU run (see models/README.md): VAE + DiT training on the packed train split, checkpoints written
# into $OUT as it goes (at most 8 files of < 16 MiB come back). Export and evaluation happen on the CPU afterwards.
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
python3 -u -m chexgen_train.train --config gpu --device cuda --pack .cache/pack-256.npz --out "$OUT" \
  --vae-seconds "${VAE_SECONDS:-140}" --dit-seconds "${DIT_SECONDS:-270}" "$@" 2>&1 | tee "$OUT/train.log"
ls -la "$OUT"
