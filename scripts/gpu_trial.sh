#!/usr/bin/env bash
# Seeds of main's generator and of a generator trial (docs/trials/*.patch), trained side by side
# in one call on a lent GPU machine, so a change as small as a retrain's own spread can be judged.
#
#   # here: the patched files, the wheels the machine lacks, and the big ONNX files out of the way
#   scripts/gpu_trial.sh prepare docs/trials/generator-3.11.0.patch      # writes .trial/ (ignored)
#   # the device call (carry: [".whl", ".trial"]), about 460 s on an H200 for three runs:
#   MAIN_RUNS="mobilenet_v2:112:1 mobilenet_v2:112:2" TRIAL_RUNS="mobilenet_v2:112:2" \
#     BUDGET_S=460 bash scripts/gpu_trial.sh run
#   # back here: scripts/run_parts.py unpack DIR/a NAME runs/..., DIR/b for the trial's runs, then
#   # training/export.py (it makes the run's generated dataset again here, same seed, same pixels) and
#   # training/compare_seeds.py --group main ... --group trial ...
#
# Each side runs scripts/gpu_retrain.sh (its own tree, its own datasets, CORES split 10/6 by
# default); results come back under $OUT/a (main) and $OUT/b (the trial), logs in $OUT/a.log and
# $OUT/b.log. The patch is applied here, not there: the machine may have neither git nor patch.
# The working tree that travels must stay under 64 MiB: `prepare` moves models/*.onnx and
# docs/trials/models-*/*.onnx to .onnx-aside/, which stays here (bring them back with `restore`).
set -uo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  prepare)
    patch=${2:?usage: scripts/gpu_trial.sh prepare docs/trials/generator-X.patch}
    [[ -f "$patch" ]] || { echo "no patch at $patch: name one of docs/trials/generator-*.patch" >&2; exit 2; }
    patch=$(realpath "$patch")
    tmp=$(mktemp -d)
    git archive HEAD training | tar x -C "$tmp" || exit 1
    # outside a repo git apply works like patch(1); a patch made against an older main may fail here
    (cd "$tmp" && git apply --include='training/*' "$patch") \
      || { rm -rf "$tmp"; echo "$patch does not apply to HEAD's training/: see docs/trials/README.md" >&2; exit 1; }
    files=$(git apply --numstat --include='training/*' "$patch" | cut -f3)
    [[ -n "$files" ]] || { rm -rf "$tmp"; echo "the patch changes nothing under training/" >&2; exit 1; }
    for d in /.trial/ /.whl/ /.onnx-aside/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
    rm -rf .trial && mkdir -p .trial/tree .onnx-aside
    for f in $files; do mkdir -p ".trial/tree/$(dirname "$f")"; cp "$tmp/$f" ".trial/tree/$f"; done
    rm -rf "$tmp"
    echo "patched files:"; echo "$files"
    while IFS= read -r f; do mkdir -p ".onnx-aside/$(dirname "$f")"; mv "$f" ".onnx-aside/$f"; done \
      < <(git ls-files 'models/*.onnx' 'docs/trials/models-*/*.onnx')
    mkdir -p .whl
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
      pydantic==2.11.7 pydantic-core==2.33.2 annotated-types==0.7.0 typing-inspection==0.4.1 || exit 1
    echo "ready: run the device call, then scripts/gpu_trial.sh restore" ;;
  restore)
    (cd .onnx-aside && find . -name '*.onnx' | while IFS= read -r f; do mv "$f" "../$f"; done) && git status --short ;;
  run)
    : "${OUT:?run on the device machine, where \$OUT is set}"
    PY=${PYTHON:-python3}
    if ! $PY -c "import pydantic" 2>/dev/null; then
      $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
      export PYTHONPATH=/tmp/site
      mv .whl /tmp/whl-installed   # installed once, for both sides
    fi
    export PYTHONUNBUFFERED=1
    rm -rf /tmp/trial && mkdir -p /tmp/trial || exit 1
    tar cf - --exclude=./.venv --exclude=./data --exclude=./runs --exclude=./.whl --exclude=./.onnx-aside . \
      | tar xf - -C /tmp/trial && cp -a .trial/tree/. /tmp/trial/ || exit 1
    grep -h "^GENERATOR_VERSION" training/synth.py /tmp/trial/training/synth.py
    common=(PER_CLASS="${PER_CLASS:-1000}" EPOCHS="${EPOCHS:-10}" BUDGET_S="${BUDGET_S:-460}" EXTRA="${EXTRA:--b 32}" WHEELS=/nonexistent)
    (env "${common[@]}" CORES="${MAIN_CORES:-10}" RUNS="${MAIN_RUNS:?}" bash scripts/gpu_retrain.sh "$OUT/a" >"$OUT/a.log" 2>&1
     echo "main: exit $?") &
    (cd /tmp/trial && env "${common[@]}" CORES="${TRIAL_CORES:-6}" RUNS="${TRIAL_RUNS:?}" bash scripts/gpu_retrain.sh "$OUT/b" >"$OUT/b.log" 2>&1
     echo "trial: exit $?") &
    wait
    grep -hE "^== |^epoch|^datasets|^training done|processors" "$OUT/a.log" "$OUT/b.log"; ls -la "$OUT"/* ;;
  *) echo "usage: scripts/gpu_trial.sh prepare PATCH | run | restore" >&2; exit 2 ;;
esac
