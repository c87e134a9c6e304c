#!/usr/bin/env bash
# Reproduces the shipped `cnn_attn_caption` (procedural shapes scenes):
#
#     bash zoo/recipes/cnn_attn_caption.sh [RUN_DIR]
#
# Resumable: run the same command again after an interruption.
# TensorBoard: tensorboard --logdir RUN_DIR/logs
set -euo pipefail
RUN=${1:-runs/cnn_attn_caption}
S2S=${KERAS_S2S:-keras-s2s}

$S2S train --model cnn_attn_caption --data shapes --out "$RUN" \
    --epochs 6 --batch-size 64 --lr 2e-3 --warmup-steps 100 \
    --label-smoothing 0.1 --clipnorm 1.0 --vocab-size 512 \
    --checkpoint-every 100 --patience 3 --seed 0

for method in greedy beam; do
    $S2S evaluate --model "$RUN" --data shapes --split val \
        --method "$method" --beam-size 3 --out "$RUN/test_$method.json"
done
$S2S zoo pack "$RUN" cnn_attn_caption --into saved_models
