#!/usr/bin/env bash
# Runs the benchmarks quoted in the README's performance section, in one session, so that
# ratios compare numbers measured on the same machine at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/streamscore
[ -x "$bin" ] || swift build -c release --product streamscore
ref=""
if [ -f ../shared/reference/passthrough.c ]; then
  mkdir -p .build-ref
  gcc -O2 ../shared/reference/passthrough.c -o .build-ref/passthrough -lrdkafka
  ref="--reference .build-ref/passthrough"
fi
echo "== bench kafka" >&2
$bin bench kafka $ref
for m in bench_iris_logreg bench_rf_100x8_30f bench_gb_50f bench_mlp_50f; do
  echo "== bench model $m" >&2
  $bin bench model --model Models/zoo/$m --batch 1,16,256,4096
done
if [ -x Models/.venv/bin/python ]; then
  echo "== onnxruntime, same session" >&2
  Models/.venv/bin/python Models/bench_onnxruntime.py --batch 1,16,256,4096
else
  echo "(Models/setup_venv.sh then rerun for the onnxruntime comparison)" >&2
fi
echo "== bench scoring (the worker's own work per record, without Kafka)" >&2
$bin bench scoring
echo "== bench worker (in process, then as its own process for its RSS)" >&2
$bin bench worker --rounds 5 --worker-process $ref
echo "== bench worker --drift (cost of drift monitoring)" >&2
$bin bench worker --drift
echo "== bench gateway" >&2
$bin bench gateway
