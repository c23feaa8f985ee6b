#!/usr/bin/env bash
# Trains the pretrained checkpoints the zoo ships, one after the other, with their recipes, and copies each
# finished model into packages/zoo/checkpoints/<name>/. Resumable: rerun it after a kill and every run continues
# from its last checkpoint (runs/<name>/checkpoint.amcckpt); finished runs are skipped.
#
#   scripts/train-zoo.sh [name ...]     # default: resnet20 plain20 resnet56 mobilenetV2
#
# Needs the build (npm test or npm run build). Threads: AMC_NUM_THREADS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."

recipe() {
  case "$1" in
    resnet20 | plain20) echo "--epochs 30 --lr 0.1 --batch 128 --weight-decay 5e-4 --seed 1" ;;
    # 3-4x the MACs of ResNet-20: 15 epochs (the cosine schedule still anneals to 0) to fit two cores.
    resnet56) echo "--epochs 15 --lr 0.1 --batch 128 --weight-decay 5e-4 --seed 1" ;;
    mobilenetV2) echo "--epochs 15 --lr 0.05 --batch 128 --weight-decay 1e-4 --seed 1" ;;
    *) echo "unknown model $1" >&2; exit 2 ;;
  esac
}

models=("$@")
[ ${#models[@]} -eq 0 ] && models=(resnet20 plain20 resnet56 mobilenetV2)
for name in "${models[@]}"; do
  target="packages/zoo/checkpoints/$name"
  if [ -f "$target/model.json" ]; then
    echo "== $name: already shipped in $target"
    continue
  fi
  echo "== $name: $(recipe "$name")"
  # shellcheck disable=SC2046
  node packages/cli/dist/bin.js train --model "$name" $(recipe "$name") --out "runs/$name"
  mkdir -p "$target"
  cp "runs/$name/model/model.json" "runs/$name/model/weights.bin" "$target/"
  echo "== $name: copied to $target"
done
