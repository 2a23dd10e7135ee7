#!/usr/bin/env bash
# The main job end to end on the embedded default (`make demo`):
# generate mini-Charades, train the slim 3D ResNet-18 with tools/train.py, test its
# checkpoint with tools/test.py under both protocols (spec_clips: the
# specification's 4 stride clips and its table, in $WORK/spec_clips;
# charades_video, the default: 10 clips over the whole video, video labels,
# official mAP and WAP, in $WORK), draw the curves and per-class AP, and end
# with the video-level `WAP: <value>` and `mAP: <value>` (the last line).
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
"$PY" tools/test.py "$CONFIG" "$CKPT" --protocol spec_clips \
    --work-dir "$WORK/spec_clips" | tee "$WORK/test_output_spec_clips.txt"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" \
    --dump "$WORK/predictions.pkl" | tee "$WORK/test_output.txt"
"$PY" tools/analysis/plot_curves.py "$WORK"
"$PY" - "$WORK/spec_clips/results.md" "$WORK/results.json" <<'PYEOF'
import json, sys
print(open(sys.argv[1]).read().split('\n\nPer-class')[0])
results = json.load(open(sys.argv[2]))
print(f"\nProtocol: {results['protocol']}")
print(f"WAP: {results['WAP']:.4f}\nmAP: {results['mAP']:.4f}")
PYEOF
