#!/usr/bin/env bash
# Create Models/.venv (Python 3.11) and install Models/requirements.txt.
# Idempotent: re-running only installs what is missing or at the wrong version.
# Override the interpreter with PYTHON=/path/to/python3.11, the location with VENV_DIR=...
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${VENV_DIR:-$HERE/.venv}"
REQ="$HERE/requirements.txt"

pick_python() {
  if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      command -v "$c"; return
    fi
  done
  echo "setup_venv: no Python 3.11 found (set PYTHON=...)" >&2
  exit 1
}

if [[ -x "$VENV_DIR/bin/python" ]] && "$VENV_DIR/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "[setup_venv] using existing venv $VENV_DIR ($("$VENV_DIR/bin/python" --version))"
else
  PY="$(pick_python)"
  echo "[setup_venv] creating venv $VENV_DIR with $PY ($("$PY" --version))"
  rm -rf "$VENV_DIR"
  "$PY" -m venv "$VENV_DIR"
fi

echo "[setup_venv] upgrading pip"
"$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade pip

echo "[setup_venv] installing $REQ"
"$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$REQ" \
  | grep -vE '^Requirement already satisfied' || true

echo "[setup_venv] checking imports"
"$VENV_DIR/bin/python" - <<'PY'
import importlib
mods = ["numpy", "scipy", "pandas", "sklearn", "skl2onnx", "onnxmltools", "onnx",
        "onnxruntime", "xgboost", "lightgbm", "google.protobuf", "confluent_kafka"]
for m in mods:
    mod = importlib.import_module(m)
    print(f"  {m:16s} {getattr(mod, '__version__', '?')}")
PY
"$VENV_DIR/bin/python" -m pip check --disable-pip-version-check
echo "[setup_venv] done: $VENV_DIR"
