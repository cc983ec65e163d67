# IS-Messenger. Each target is a thin call; the scripts hold the logic.
#   make run    set up what is missing, start the server and the desktop app
#   make test   everything CI runs: lint, unit and integration tests (the server's on SQLite and
#               again on a private PostgreSQL), UI checks, end-to-end
#   make e2e    only the end-to-end suite, inside a headless desktop session
#   make bench  benchmarks with release builds (prints figures)
#   make screenshots  the README's screenshots, from the real app on the demo workspace
#   make fuzz   a long HTTP fuzzing campaign (1,000,000 requests, release build; MESSENGER_FUZZ_SEED=… to replay)

CARGO ?= cargo
NPM ?= npm

FUZZ_REQUESTS ?= 1000000
# Optional: stop starting requests after this many seconds (empty: no budget).
FUZZ_SECONDS ?=

.PHONY: fuzz run test lint ui-deps ui-build ui-test rust-test rust-test-postgres bindings bindings-check e2e e2e-build bench icons clean-data screenshots

run:
	scripts/run

test: lint rust-test ui-test bindings-check e2e
	@echo "make test: all passed"

ui-deps:
	@test -d ui/node_modules || (cd ui && $(NPM) ci --no-audit --no-fund)

# The desktop crate embeds ui/dist at compile time, so the UI is built before any cargo step.
ui-build: ui-deps
	$(NPM) --prefix ui run build

lint: ui-build
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The workspace's test run; the PostgreSQL pass runs the server's test binaries it built.
RUST_TEST_FLAGS = --workspace --locked --exclude messenger-e2e

rust-test: ui-build
	$(CARGO) test $(RUST_TEST_FLAGS)
	CARGO=$(CARGO) scripts/server-tests-on-postgres $(RUST_TEST_FLAGS)

# The server's HTTP suite and store conformance suite on PostgreSQL (scripts/postgres-cluster).
rust-test-postgres: ui-build
	CARGO=$(CARGO) scripts/server-tests-on-postgres $(RUST_TEST_FLAGS)

ui-test: ui-deps
	$(NPM) --prefix ui run check
	$(NPM) --prefix ui test

# The TypeScript types in ui/src/lib/bindings are generated from the Rust types.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p messenger-agent --test typescript_bindings

bindings-check:
	$(CARGO) test -p messenger-agent --locked --test typescript_bindings

e2e-build: ui-build
	$(CARGO) build --locked -p messenger-server -p messenger-agent -p messenger-desktop

e2e: e2e-build
	scripts/desktop-session run $(CARGO) test --locked -p messenger-e2e -- --test-threads=1

screenshots: e2e-build
	scripts/desktop-session run $(CARGO) test --locked -p messenger-e2e --test screenshots -- --ignored

bench: ui-build
	scripts/bench

icons:
	scripts/icons

clean-data:
	rm -rf data

fuzz:
	MESSENGER_FUZZ_REQUESTS=$(FUZZ_REQUESTS) MESSENGER_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --release --locked -p messenger-server --test fuzz -- --nocapture
