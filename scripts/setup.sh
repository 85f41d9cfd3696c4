#!/usr/bin/env bash
# Installs what StreamScore needs on Debian, only if it is missing.
#   Always: librdkafka-dev (the Kafka client library), pkg-config, curl (the README's commands use it).
#   With --tests, also what the tests use: kcat (a Kafka CLI), prometheus (for promtool, which
#   checks Compose/prometheus/prometheus.yml), chromium and fonts-dejavu-core (headless Chromium
#   loads the gateway's dashboard in DashboardBrowserTests and saves a screenshot with readable text).
set -euo pipefail
packages=(librdkafka-dev pkg-config curl)
if [ "${1:-}" = "--tests" ]; then
  packages+=(kcat prometheus chromium fonts-dejavu-core)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
