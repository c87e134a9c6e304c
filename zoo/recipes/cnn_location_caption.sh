#!/usr/bin/env bash
# Reproduces the shipped `cnn_location_caption` (procedural shapes scenes):
#
#     bash zoo/recipes/cnn_location_caption.sh [RUN_DIR]
#
# Two stages: 6 epochs from scratch, then 6 more from that model at a lower
# peak learning rate (about where stage 1's decay had got to); the shipped
# weights are stage 2's last epoch.
# Resumable: run the same command again after an interruption (a finished
# stage is skipped: its run folder holds model.keras).
# TensorBoard: tensorboard --logdir RUN_DIR/logs (stage 2: RUN_DIR/stage2/logs)
set -euo pipefail
RUN=${1:-runs/cnn_location_caption}
S2S=${KERAS_S2S:-keras-s2s}
COMMON=(--data shapes --batch-size 64 --label-smoothing 0.1 --clipnorm 1.0
        --vocab-size 512 --checkpoint-every 100 --patience 3)

[ -f "$RUN/model.keras" ] || $S2S train --model cnn_location_caption \
    --out "$RUN" --epochs 6 --lr 2e-3 --warmup-steps 100 --seed 0 \
    "${COMMON[@]}"
[ -f "$RUN/stage2/model.keras" ] || $S2S train --model "$RUN/model.keras" \
    --out "$RUN/stage2" --epochs 6 --lr 5e-4 --warmup-steps 50 --seed 1 \
    "${COMMON[@]}"

for method in greedy beam; do
    $S2S evaluate --model "$RUN/stage2" --data shapes --split val \
        --method "$method" --beam-size 3 --out "$RUN/stage2/test_$method.json"
done
$S2S zoo pack "$RUN/stage2" cnn_location_caption --into saved_models
