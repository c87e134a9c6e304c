#!/usr/bin/env bash
# Stages 2-5 of the Multi30k translation recipes (`bilstm_attn_mt.sh`,
# `bilstm_location_mt.sh`):
#
#     bash zoo/recipes/mt_stages.sh RUN_DIR STAGE1_RUN
#
# 4 more epochs each from the previous stage's model (stage 2 from
# STAGE1_RUN) with a fresh Adam at a lower peak learning rate (2: 5e-4,
# 3: 2e-4, 4 and 5: 1e-4), into RUN_DIR/stage2 ... RUN_DIR/stage5, with the
# flags stage 1 trained with. Resumable: a finished stage (its model.keras
# exists) is skipped, an interrupted one continues from its checkpoint.
set -euo pipefail
RUN=${1:?usage: mt_stages.sh RUN_DIR STAGE1_RUN}
previous=${2:?usage: mt_stages.sh RUN_DIR STAGE1_RUN}
S2S=${KERAS_S2S:-keras-s2s}
COMMON=(--data multi30k:en-de --batch-size 128 --label-smoothing 0.1
        --clipnorm 1.0 --vocab-size 8000 --checkpoint-every 100 --patience 3
        --matmul-precision float32)  # as the shipped weights were trained

# stage, peak learning rate, seed; each starts from the stage before it.
for stage in "2 5e-4 1" "3 2e-4 2" "4 1e-4 3" "5 1e-4 4"; do
    read -r n lr seed <<< "$stage"
    [ -f "$RUN/stage$n/model.keras" ] || $S2S train \
        --model "$previous/model.keras" --out "$RUN/stage$n" --epochs 4 \
        --lr "$lr" --warmup-steps 100 --seed "$seed" "${COMMON[@]}"
    previous=$RUN/stage$n
done
