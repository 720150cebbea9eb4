#!/usr/bin/env bash
# Installs everything Ombro needs on a fresh Debian machine: system packages (only those missing,
# only when we are allowed to), a virtualenv in .venv and the project with all its groups.
# Idempotent: a second run only checks. Usage: scripts/setup.sh [groups]   (default: all groups)
set -euo pipefail
cd "$(dirname "$0")/.."
GROUPS_="${1:-app,server,train,dev}"
PY="${PYTHON:-python3}"

# Browser tests, the Kivy app under Xvfb, the compose-file check, the multi-replica test (nginx
# in front of two servers), the capacity benchmark (wrk; ab for quick checks by hand) and the
# int8 model on an emulated CPU without VNNI (qemu-user; tests/training/test_shipped_models.py).
DEB_PACKAGES=(chromium xvfb xauth xsel libgl1 libegl1 libmtdev1 docker-compose nginx wrk apache2-utils
              qemu-user)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! missing Debian packages: ${missing[*]}" >&2
    echo "!! install them with: sudo apt-get install ${missing[*]}  (browser/GUI tests need them)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=".venv/.ombro-installed-${GROUPS_//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> pip install -e .[$GROUPS_] (torch comes from this machine's local wheel cache)"
  .venv/bin/pip install -q -e ".[$GROUPS_]"
  touch "$stamp"
fi
echo "==> setup done"
