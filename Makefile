# IS-Messenger. Each target is a thin call; the scripts hold the logic.
#   make run    set up what is missing, start the server and the desktop app
#   make test   everything CI runs: fmt, clippy (in the test build), unit and integration tests
#               (the server's on SQLite and again on a private PostgreSQL), UI checks, end-to-end
#   make lint   fmt and clippy alone
#   make e2e    only the end-to-end suite, inside a headless desktop session
#   make bench  benchmarks with release builds (prints figures)
#   make screenshots  the README's screenshots, from the real app on the demo workspace
#   make fuzz   a long HTTP fuzzing campaign (1,000,000 requests, release build; MESSENGER_FUZZ_SEED=… to replay)

CARGO ?= cargo
NPM ?= npm

# Clippy lints the workspace's crates while the one shared build compiles them: clippy-driver
# is the compiler of workspace members (what `cargo clippy` does over a check build), with
# `-D warnings` as `cargo clippy -- -D warnings` passes it. A separate `cargo clippy
# --all-targets` would compile every dependency once more in check mode (measured: a cold
# `cargo test --workspace --no-run` is 1,695 s here, most of it dependencies). Every cargo step
# of make shares these, so none rebuilds the workspace for another.
CLIPPY_DRIVER := $(shell command -v clippy-driver 2>/dev/null)
ifneq ($(CLIPPY_DRIVER),)
export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
export CLIPPY_ARGS := -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
endif

FUZZ_REQUESTS ?= 1000000
# Optional: stop starting requests after this many seconds (empty: no budget).
FUZZ_SECONDS ?=

.PHONY: fuzz run test fmt-check lint ui-deps ui-build ui-test rust-test rust-test-postgres bindings bindings-check e2e e2e-build bench icons clean-data screenshots

run:
	scripts/run

test: fmt-check rust-test ui-test bindings-check e2e
	@echo "make test: all passed"

ui-deps:
	@test -d ui/node_modules || (cd ui && $(NPM) ci --no-audit --no-fund)

# The desktop crate embeds ui/dist at compile time, so the UI is built before any cargo step.
ui-build: ui-deps
	$(NPM) --prefix ui run build

fmt-check:
	$(CARGO) fmt --all --check

# Clippy on its own (make test lints in its build, see CLIPPY_ARGS above).
lint: ui-build fmt-check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Every cargo step of `make test` shares one build, `cargo test --workspace --locked`: a step
# that runs some of the tests runs their executables (scripts/test-binaries), because a narrower
# cargo selection resolves other features and compiles much of the tree a second time.
# The end-to-end package's own unit tests need no desktop session: they run here.
rust-test: ui-build
	@test -n "$(CLIPPY_DRIVER)" || { echo "clippy-driver is missing: rustup component add clippy"; exit 1; }
	$(CARGO) test --workspace --locked --exclude messenger-e2e
	CARGO=$(CARGO) scripts/test-binaries run --unit tests
	CARGO=$(CARGO) scripts/server-tests-on-postgres

# The server's HTTP suite and store conformance suite on PostgreSQL (scripts/postgres-cluster).
rust-test-postgres: ui-build
	CARGO=$(CARGO) scripts/server-tests-on-postgres

ui-test: ui-deps
	$(NPM) --prefix ui run check
	$(NPM) --prefix ui test

# The TypeScript types in ui/src/lib/bindings are generated from the Rust types, and the
# desktop commands' TypeScript (ui/src/lib/backend/commands.ts) from the #[tauri::command]s.
bindings: ui-build
	UPDATE_BINDINGS=1 CARGO=$(CARGO) scripts/test-binaries run crates/agent typescript_bindings
	UPDATE_BINDINGS=1 CARGO=$(CARGO) scripts/test-binaries run --unit src-tauri -- typescript

bindings-check: ui-build
	CARGO=$(CARGO) scripts/test-binaries run crates/agent typescript_bindings
	CARGO=$(CARGO) scripts/test-binaries run --unit src-tauri -- typescript

# --workspace --bins: the binaries with the features of the shared test build (a -p build
# would not be).
e2e-build: ui-build
	$(CARGO) build --workspace --locked --bins

e2e: e2e-build
	CARGO=$(CARGO) scripts/desktop-session run scripts/test-binaries run tests -- --test-threads=1

screenshots: e2e-build
	CARGO=$(CARGO) scripts/desktop-session run scripts/test-binaries run tests screenshots -- --ignored

bench: ui-build
	scripts/bench

icons:
	scripts/icons

clean-data:
	rm -rf data

fuzz:
	MESSENGER_FUZZ_REQUESTS=$(FUZZ_REQUESTS) MESSENGER_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --release --locked -p messenger-server --test fuzz -- --nocapture
