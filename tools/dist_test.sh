#!/usr/bin/env bash
# Adapted from MMAction2 (https://github.com/open-mmlab/mmaction2),
# tools/dist_test.sh, Copyright (c) OpenMMLab. Licensed under the Apache
# License 2.0 (http://www.apache.org/licenses/LICENSE-2.0); changed
# for this project.
# Distributed testing with torchrun: tools/dist_test.sh CONFIG CHECKPOINT NPROC [ARGS]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
