#!/usr/bin/env bash
# Rewrites samples/scenarios/NAME/ from tests/scenarios/NAME.scn for every race scenario, with
# the lockstep-synth of the build directory given (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
synth=${1:-build}/analyzer/synth/lockstep-synth
mkdir -p samples/scenarios
for scn in tests/scenarios/*-buggy.scn tests/scenarios/*-fixed.scn tests/scenarios/*-no-writer.scn; do
  name=$(basename "$scn" .scn)
  "$synth" --force "$scn" -o "samples/scenarios/$name"
done
