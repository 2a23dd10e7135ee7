#!/usr/bin/env bash
# The main job end to end on the embedded default (`make demo`):
# generate mini-Charades, train the slim 3D ResNet-18 with tools/train.py, test its
# checkpoint with tools/test.py (stride clips, max aggregation), draw the
# curves and per-class AP, and end with `mAP: <value>`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
DATA=${DATA:-data/mini_charades}
WORK=${WORK:-work_dirs/demo}
CONFIG=${CONFIG:-configs/r3d18_mini_charades21.py}
NUM_VIDEOS=${NUM_VIDEOS:-200}
SEED=${SEED:-0}

if [ ! -f "$DATA/Charades_v1_test.csv" ]; then
    "$PY" tools/data/make_mini_charades.py --out "$DATA" \
        --num-videos "$NUM_VIDEOS" --seed "$SEED"
fi
rm -rf "$WORK"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --seed "$SEED"
CKPT=$(cat "$WORK/last_checkpoint")
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" \
    --dump "$WORK/predictions.pkl" | tee "$WORK/test_output.txt"
"$PY" tools/analysis/plot_curves.py "$WORK"
"$PY" - "$WORK/results.json" <<'PYEOF'
import json, sys
results = json.load(open(sys.argv[1]))
print(f"mAP: {results['mAP']:.4f}")
PYEOF
