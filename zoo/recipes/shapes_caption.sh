#!/usr/bin/env bash
# Trains a shapes captioner of the zoo the way the shipped ones were trained:
#
#     bash zoo/recipes/shapes_caption.sh NAME [RUN_DIR]
#
# (`cnn_attn_caption.sh` and `cnn_location_caption.sh` call it with their
# model's name.) Two stages: 6 epochs from scratch, then 6 more from that
# model at a lower peak learning rate (about where stage 1's decay had got
# to); the shipped weights are stage 2's last epoch.
# Resumable: run the same command again after an interruption (a finished
# stage is skipped: its run folder holds model.keras).
# TensorBoard: tensorboard --logdir RUN_DIR/logs (stage 2: RUN_DIR/stage2/logs)
# Then it measures the card's numbers on the held-out scenes and writes the
# weights and vocabulary into saved_models/ with their sha256.
set -euo pipefail
NAME=${1:?usage: shapes_caption.sh NAME [RUN_DIR]}
RUN=${2:-runs/$NAME}
S2S=${KERAS_S2S:-keras-s2s}
COMMON=(--data shapes --batch-size 64 --label-smoothing 0.1 --clipnorm 1.0
        --vocab-size 512 --checkpoint-every 100 --patience 3
        --matmul-precision float32)  # as the shipped weights were trained

[ -f "$RUN/model.keras" ] || $S2S train --model "$NAME" \
    --out "$RUN" --epochs 6 --lr 2e-3 --warmup-steps 100 --seed 0 \
    "${COMMON[@]}"
[ -f "$RUN/stage2/model.keras" ] || $S2S train --model "$RUN/model.keras" \
    --out "$RUN/stage2" --epochs 6 --lr 5e-4 --warmup-steps 50 --seed 1 \
    "${COMMON[@]}"

for method in greedy beam; do
    $S2S evaluate --model "$RUN/stage2" --data shapes --split val \
        --method "$method" --beam-size 3 --out "$RUN/stage2/test_$method.json"
done
$S2S zoo pack "$RUN/stage2" "$NAME" --into saved_models
