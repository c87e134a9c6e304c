#!/usr/bin/env bash
# Reproduces the shipped `pointer_generator_summ` (DialogSum train -> dev):
#
#     bash zoo/recipes/pointer_generator_summ.sh [RUN_DIR]
#
# Resumable; see dialogsum_summarizer.sh for the steps.
exec bash "$(dirname "$0")/dialogsum_summarizer.sh" pointer_generator_summ \
    "${1:-runs/pointer_generator_summ}"
