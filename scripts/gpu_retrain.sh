#!/usr/bin/env bash
# Retrain several candidates at once on one GPU machine, inside a fixed time budget.
#
#   PER_CLASS=2000 EPOCHS=10 BUDGET_S=470 \
#   RUNS="mobilenet_v2:112 mobilenet_v2:160 resnet34:160" scripts/gpu_retrain.sh OUT_DIR
#
# A run is ARCH:INPUT_SIZE[:SEED] (seed 0 when left out). Seeds are how a change is judged once it
# is as small as one retrain's own spread on the 15 real photos (docs/training.md, "A second
# ResNet34 on generator 3.11.0"): RUNS="resnet34:112:0 resnet34:112:1 resnet34:112:2" trains
# three; each seed draws its own dataset (train.py ties the data to --seed) and all of them are
# generated before training starts.
#
# On a GPU the network is not what limits training here: the augmentation and the silhouette step
# (lighting analysis, outline warps) run on the CPU, a few milliseconds per image. So the dataset
# is generated once with every core, then the candidates train side by side with the cores split
# between their DataLoaders, each under `timeout` so that a slow machine still leaves every run's
# best-so-far checkpoint. Results leave as small parts (scripts/run_parts.py) plus one log archive;
# bring them home with `scripts/run_parts.py unpack`, then export and evaluate as usual.
# Python packages the machine lacks may sit as wheels in .whl/ (installed to /tmp/site).
# Seen on a lent H200 machine (16 cores): right after its start the script counted so few
# processors that it split them into 1 worker per run, and generating 32,000 frames took 480 s
# (70 images/s); on the same machine a minute later nproc said 16, and two runs side by side with
# 7 workers each trained at 700-850 images/s per run (MobileNetV2 112 px and ResNet34 160 px
# alike: the CPU side limits both), 35-45 s per epoch of 24,000 images. So set CORES, and
# generate in one call and train in the next (the dataset stays on a warm machine).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:?usage: scripts/gpu_retrain.sh OUT_DIR}
PY=${PYTHON:-python3}
PER_CLASS=${PER_CLASS:-2000}
EPOCHS=${EPOCHS:-10}
BUDGET_S=${BUDGET_S:-470}
RUNS=${RUNS:-"mobilenet_v2:112 mobilenet_v2:160 resnet34:160"}
EXTRA=${EXTRA:-}
read -ra runs <<<"$RUNS"
((${#runs[@]})) || { echo "RUNS is empty: name at least one run, e.g. RUNS=resnet34:112" >&2; exit 2; }
seeds=""
for r in "${runs[@]}"; do
  IFS=: read -r arch size seed extra <<<"$r"
  if [[ -z "$arch" || ! "$size" =~ ^[0-9]+$ || ! "${seed:-0}" =~ ^[0-9]+$ || -n "$extra" ]]; then
    echo "bad run '$r' in RUNS: write ARCH:INPUT_SIZE or ARCH:INPUT_SIZE:SEED, e.g. resnet34:112:1" >&2
    exit 2
  fi
  [[ " $seeds " == *" ${seed:-0} "* ]] || seeds="$seeds ${seed:-0}"
done
mkdir -p "$OUT_DIR" runs/gpu
t0=$SECONDS
WHEELS=${WHEELS:-.whl}
if compgen -G "$WHEELS/*.whl" >/dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl || exit 1
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1
nvidia-smi -L 2>/dev/null
$PY -c "import torch, torchvision, cv2, numpy; print('torch', torch.__version__, 'tv', torchvision.__version__, 'cv2', cv2.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available())" || exit 1

cores=${CORES:-$(nproc)}
echo "$(nproc) processors visible, using $cores"
for seed in $seeds; do
  # -c, not a heredoc on stdin: the generator's worker processes re-import __main__ by its path
  $PY -c "
from training.config import TrainConfig
from training.synth_data import ensure_synth_dataset
from training.utils import DistInfo
print(ensure_synth_dataset(TrainConfig(synth_per_class=$PER_CLASS, seed=$seed, workers=$cores), DistInfo()))
" || exit 1
done
echo "datasets ready after $((SECONDS - t0)) s"
workers=$(( (cores - ${#runs[@]}) / ${#runs[@]} ))
((workers < 1)) && workers=1
left=$(( BUDGET_S - (SECONDS - t0) ))
if ((left < 60)); then
  echo "only $left s of BUDGET_S=$BUDGET_S left after the dataset: no training. Run again on the same"
  echo "(still warm) machine: the dataset under data/ is reused" >&2
  tar czf "$OUT_DIR/logs.tgz" -C runs/gpu . ; exit 3
fi
echo "training ${#runs[@]} runs side by side, $workers DataLoader workers each, at most $left s"
for r in "${runs[@]}"; do
  IFS=: read -r arch size seed <<<"$r"
  seed=${seed:-0} name="${arch}_${size}"
  ((seed)) && name="${name}_s${seed}"
  mkdir -p "runs/gpu/$name"
  # shellcheck disable=SC2086
  timeout "$left" $PY training/train.py --arch "$arch" --input-size "$size" --synth-per-class "$PER_CLASS" \
    --seed "$seed" --epochs "$EPOCHS" -j "$workers" --cache-mb 12000 --no-progress --no-report $EXTRA \
    --out "runs/gpu/$name" >"runs/gpu/$name/stdout.log" 2>&1 &
done
wait
echo "training done after $((SECONDS - t0)) s"
for d in runs/gpu/*/; do echo "== $d"; grep -E "^epoch|error|Error" "$d/stdout.log" | tail -n 30; done
$PY scripts/run_parts.py pack runs/gpu/*/ "$OUT_DIR"
tar czf "$OUT_DIR/logs.tgz" --exclude='*.pth' -C runs/gpu .
echo "all done after $((SECONDS - t0)) s"
