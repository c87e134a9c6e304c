#!/usr/bin/env bash
# Reproduces the shipped `pointer_generator_summ` (DialogSum train -> dev):
#
#     bash zoo/recipes/pointer_generator_summ.sh [RUN_DIR]
#
# Resumable: run the same command again after an interruption.
# TensorBoard: tensorboard --logdir RUN_DIR/logs
# Dialogues longer than 400 subword pieces (about 5% of train) are left out
# of training; dev dialogues are cut at 400 pieces.
set -euo pipefail
RUN=${1:-runs/pointer_generator_summ}
S2S=${KERAS_S2S:-keras-s2s}
EPOCHS=${EPOCHS:-8}

$S2S train --model pointer_generator_summ --data dialogsum --out "$RUN" \
    --epochs "$EPOCHS" --batch-size 32 --max-length 400 --lr 2e-3 \
    --warmup-steps 200 --label-smoothing 0.0 --clipnorm 2.0 \
    --vocab-size 8000 --checkpoint-every 50 --patience 2 \
    --matmul-precision float32 \
    --val-examples 100 --seed 0

for method in greedy beam; do
    $S2S evaluate --model "$RUN" --data dialogsum --split val \
        --method "$method" --beam-size 4 --out "$RUN/test_$method.json"
done
$S2S zoo pack "$RUN" pointer_generator_summ --into saved_models
