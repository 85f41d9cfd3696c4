# The README's two commands: `make run` and `make test`.
.PHONY: run test build bench

# Installs missing Debian packages, builds in release mode and starts the dev stack
# (embedded broker, worker, gateway) until Ctrl-C.
run:
	scripts/run.sh

# Installs missing Debian packages and runs every test.
test:
	scripts/setup.sh --tests
	swift test

build:
	swift build -c release --product streamscore

# Benchmarks quoted in the README (C rulers built from ../shared/reference when present).
bench: build
	scripts/bench.sh
