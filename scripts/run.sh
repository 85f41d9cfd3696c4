#!/usr/bin/env bash
# The README's main command: installs what is missing, builds in release mode and runs the
# dev stack on the embedded broker: broker, one worker and (when built) the gateway.
# Ctrl-C stops them in order: gateway, worker (drains and commits), broker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "building (release; the first build takes a few minutes)..." >&2
swift build -c release --product streamscore >&2
bin=.build/release/streamscore
port=${STREAMSCORE_DEV_PORT:-9092}
logs=$(mktemp -d)
pids=()
stop() {
  trap - INT TERM
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  echo "stopped; logs in $logs" >&2
}
trap stop INT TERM EXIT
"$bin" broker --port "$port" > "$logs/broker.out" 2> "$logs/broker.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$logs/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$logs/broker.out")
"$bin" worker --brokers "$bootstrap" --http-port 9100 2> "$logs/worker.log" &
pids+=($!)
if "$bin" help gateway >/dev/null 2>&1; then
  "$bin" gateway --brokers "$bootstrap" --port 8080 2> "$logs/gateway.log" &
  pids+=($!)
fi
cat <<EOT

StreamScore dev stack is up.
  Kafka bootstrap : $bootstrap        (kcat -b $bootstrap -L)
  Worker metrics  : http://127.0.0.1:9100/metrics
  Gateway         : http://127.0.0.1:8080
  Logs            : $logs

Try:
  curl -s -X POST http://127.0.0.1:8080/predict -H 'content-type: application/json' \\
       -d '{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}'
  echo 'e1:{"id":"e1","features":[5.1,3.5,1.4,0.2]}' | kcat -P -b $bootstrap -t features -K:
  kcat -b $bootstrap -C -t predictions -o beginning -e

Ctrl-C stops everything.
EOT
wait -n "${pids[@]}"
