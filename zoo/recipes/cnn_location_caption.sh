#!/usr/bin/env bash
# Reproduces the shipped `cnn_location_caption` (procedural shapes scenes) with one command:
#
#     bash zoo/recipes/cnn_location_caption.sh [RUN_DIR]
#
# The two-stage recipe both shapes captioners share: see shapes_caption.sh.
exec bash "$(dirname "$0")/shapes_caption.sh" cnn_location_caption "$@"
