#!/usr/bin/env bash
# Reproduces the shipped `bilstm_attn_mt` (Multi30k En->De) with one command:
#
#     bash zoo/recipes/bilstm_attn_mt.sh [RUN_DIR]
#
# Resumable: run the same command again after an interruption (Ctrl-C, a
# closed laptop, a killed Colab) and training continues from its last
# checkpoint (every 100 steps). TensorBoard: tensorboard --logdir RUN_DIR/logs
# Then it measures the card's numbers on test_2016_flickr and writes the
# weights and vocabularies into saved_models/ with their sha256.
set -euo pipefail
RUN=${1:-runs/bilstm_attn_mt}
S2S=${KERAS_S2S:-keras-s2s}

$S2S train --model bilstm_attn_mt --data multi30k:en-de --out "$RUN" \
    --epochs 10 --batch-size 128 --lr 1.5e-3 --warmup-steps 200 \
    --label-smoothing 0.1 --clipnorm 1.0 --vocab-size 8000 \
    --checkpoint-every 100 --patience 3 --seed 0

for method in greedy beam; do
    $S2S evaluate --model "$RUN" --data multi30k:en-de --split test \
        --method "$method" --beam-size 5 --out "$RUN/test_$method.json"
done
$S2S zoo pack "$RUN" bilstm_attn_mt --into saved_models
