#!/usr/bin/env bash
# Adapted from MMAction2 (https://github.com/open-mmlab/mmaction2),
# tools/dist_train.sh, Copyright (c) OpenMMLab. Licensed under the Apache
# License 2.0 (http://www.apache.org/licenses/LICENSE-2.0); changed
# for this project.
# Distributed training with torchrun: tools/dist_train.sh CONFIG NPROC [ARGS]
# GPUs: NCCL, one process per GPU. CPU-only machines: gloo (see
# mmaction_charades.compat), NPROC processes sharing the cores.
set -euo pipefail
CONFIG=$1
NPROC=$2
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
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
