#!/usr/bin/env bash
# End-to-end test of the retraining loop (Models/tests/test_retrain_loop.py):
# broker + worker -> labelled records on Kafka -> Models/retrain.py -> version 2 -> hot reload.
#
# Creates the Python venv with Models/setup_venv.sh (VENV_DIR=... to reuse one elsewhere;
# default Models/.venv), installing python3.11 + venv from Debian first if they are missing.
# Uses STREAMSCORE_BIN if set, else builds `swift build -c release --product streamscore`.
# The test itself is bounded by RETRAIN_TEST_TIMEOUT_S (default 280 s) and `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3.11 >/dev/null 2>&1 || ! python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [[ -z "${PYTHON:-}" ]]; then
    echo "retrain_loop_test: installing python3.11 and python3.11-venv (Debian)" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      python3.11 python3.11-venv >/dev/null
  fi
fi

export VENV_DIR="${VENV_DIR:-$PWD/Models/.venv}"
Models/setup_venv.sh

if [[ -z "${STREAMSCORE_BIN:-}" ]]; then
  echo "retrain_loop_test: swift build -c release --product streamscore" >&2
  swift build -c release --product streamscore
  STREAMSCORE_BIN="$(swift build -c release --show-bin-path)/streamscore"
fi
export STREAMSCORE_BIN

limit="${RETRAIN_TEST_TIMEOUT_S:-280}"
export RETRAIN_TEST_TIMEOUT_S="$limit"
# The test stops its children on SIGTERM; `timeout` is the backstop if it hangs anyway.
exec timeout --signal=TERM --kill-after=30 "$((limit + 20))" \
  "$VENV_DIR/bin/python" Models/tests/test_retrain_loop.py
