#!/usr/bin/env bash
# The README's main command: installs what is missing, builds in release mode and runs the
# all-in-one dev stack (embedded broker, worker, gateway) with demo traffic until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "building (release; the first build takes a few minutes)..." >&2
swift build -c release --product streamscore >&2
exec .build/release/streamscore dev --demo "${STREAMSCORE_DEMO:-1000}" "$@"
