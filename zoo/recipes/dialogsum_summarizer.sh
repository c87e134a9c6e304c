#!/usr/bin/env bash
# Trains a zoo summarizer on DialogSum (train -> dev) the way the shipped ones
# were, measures it on the 500 dev dialogues and packs it into saved_models/:
#
#     bash zoo/recipes/dialogsum_summarizer.sh NAME [RUN_DIR]
#
# (`pointer_generator_summ.sh` and `bigru_attn_summ.sh` call it with their
# name.) Resumable: run the same command again after an interruption.
# TensorBoard: tensorboard --logdir RUN_DIR/logs
# Dialogues longer than 400 subword pieces (about 5% of train) are left out
# of training; dev dialogues are cut at 400 pieces.
set -euo pipefail
NAME=${1:?usage: dialogsum_summarizer.sh NAME [RUN_DIR]}
RUN=${2:-runs/$NAME}
S2S=${KERAS_S2S:-keras-s2s}
EPOCHS=${EPOCHS:-8}
LR=${LR:-2e-3}
# INIT_FROM=MODEL: start from a related model's weights (train --init-from).
INIT=()
if [[ -n "${INIT_FROM:-}" ]]; then INIT=(--init-from "$INIT_FROM"); fi

$S2S train --model "$NAME" --data dialogsum --out "$RUN" \
    --epochs "$EPOCHS" --batch-size 32 --max-length 400 --lr "$LR" \
    --warmup-steps 200 --label-smoothing 0.0 --clipnorm 2.0 \
    --vocab-size 8000 --checkpoint-every 50 --patience 2 \
    --matmul-precision float32 \
    --val-examples 100 --seed 0 "${INIT[@]}"

for method in greedy beam; do
    $S2S evaluate --model "$RUN" --data dialogsum --split val \
        --method "$method" --beam-size 4 --out "$RUN/test_$method.json"
done
# The shipped weights are stored in int8 (a quarter of float32's size).
$S2S zoo pack "$RUN" "$NAME" --into saved_models --dtype int8
