#!/usr/bin/env bash
# Reproduces the shipped `bilstm_attn_mt` (Multi30k En->De) with one command:
#
#     bash zoo/recipes/bilstm_attn_mt.sh [RUN_DIR]
#
# Two stages: 10 epochs from scratch, then 4 more from that model with a
# fresh Adam at a lower peak learning rate (about where stage 1's decay had
# got to); the shipped weights are stage 2's last epoch.
# Resumable: run the same command again after an interruption (Ctrl-C, a
# closed laptop, a killed Colab) and training continues from its last
# checkpoint (every 100 steps); a finished stage (its model.keras exists) is
# skipped. TensorBoard: tensorboard --logdir RUN_DIR (both stages' logs/)
# Then it measures the card's numbers on test_2016_flickr and writes the
# weights and vocabularies into saved_models/ with their sha256.
set -euo pipefail
RUN=${1:-runs/bilstm_attn_mt}
S2S=${KERAS_S2S:-keras-s2s}
COMMON=(--data multi30k:en-de --batch-size 128 --label-smoothing 0.1
        --clipnorm 1.0 --vocab-size 8000 --checkpoint-every 100 --patience 3)

[ -f "$RUN/model.keras" ] || $S2S train --model bilstm_attn_mt --out "$RUN" \
    --epochs 10 --lr 1.5e-3 --warmup-steps 200 --seed 0 "${COMMON[@]}"
[ -f "$RUN/stage2/model.keras" ] || $S2S train --model "$RUN/model.keras" \
    --out "$RUN/stage2" --epochs 4 --lr 5e-4 --warmup-steps 100 --seed 1 \
    "${COMMON[@]}"

for method in greedy beam; do
    $S2S evaluate --model "$RUN/stage2" --data multi30k:en-de --split test \
        --method "$method" --beam-size 5 --out "$RUN/stage2/test_$method.json"
done
$S2S zoo pack "$RUN/stage2" bilstm_attn_mt --into saved_models
