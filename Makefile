# ScimLab: the two commands the README promises, and the steps they are made of.
#   make run     build and start the desktop app (installs the system and npm packages it needs)
#   make serve   headless: the SCIM endpoint, with the UI in a browser at the admin address
#   make serve-postgres  the same with the data in a local PostgreSQL (scripts/postgres-local.sh)
#   make test    every test: Rust, UI unit tests, browser and desktop-window end to end (what CI runs)
#   make package the installable app: a .deb and an .rpm (debug build; PROFILE=release for a release one)
#   make fuzz    the property tests of the scim crate, long (PROPTEST_CASES=20000; make test runs 64)
#   make soak    a few minutes of hostile traffic at a release engine while Entra simulations run
#   make bench-size  startup, memory, disk and WAL of a release engine at 100 000 users and
#                1 000 000 exchanges (seeded once, fast, through the store); docs/benchmarks.md
# Every program these targets run, and its Debian package, is listed in scripts/commands.tsv.
.PHONY: run app serve serve-postgres ui test test-rust test-postgres test-ui e2e package deb lint fmt bench bench-ui bench-size fuzz soak screenshots

SERVE_ARGS ?=
TAURI := ui/node_modules/.bin/tauri
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
# make package PROFILE=release: an optimised bundle (about 10 minutes more on 2 cores, cold).
PROFILE ?= debug
BUNDLES := --bundles deb,rpm

run: app
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "no display: run it under a desktop session, or use 'make serve' for the UI in a browser"; exit 1; fi
	./target/debug/scimlab-desktop

# The desktop binary with ui/dist embedded (tauri build runs the UI build first).
app:
	./scripts/ensure-toolchain.sh
	./scripts/ensure-desktop-deps.sh
	$(TAURI) build --debug --no-bundle

ui:
	./scripts/ensure-desktop-deps.sh --ui
	npm --prefix ui run build

serve: ui
	./scripts/ensure-toolchain.sh
	cargo run --locked -p scimlab-cli --bin scimlab -- serve --ui $(SERVE_ARGS)

# The same on PostgreSQL: a local cluster on 127.0.0.1:5433 (scripts/postgres-local.sh; `stop`
# stops it), the data in its database `scimlab`, one schema per workspace.
serve-postgres: ui
	./scripts/ensure-toolchain.sh
	cargo run --locked -p scimlab-cli --bin scimlab -- serve --ui \
	  --database-url "$$(./scripts/postgres-local.sh start)" $(SERVE_ARGS)

test:
	./scripts/ensure-toolchain.sh
	./scripts/ensure-desktop-deps.sh --test
	$(MAKE) test-rust test-ui e2e

test-rust:
	cargo fmt --all -- --check
	./scripts/check-layering.sh                            # SQL only in store/, no tauri in the engine
	cargo build --locked -p scimlab-cli --bin scimlab   # the CLI and e2e tests run the real binary
	cargo test --locked --workspace
	$(MAKE) test-postgres
	cargo clippy --locked --workspace --all-targets -- -D warnings

# The integration suite again with every engine on PostgreSQL (a throwaway server the tests
# start: crates/testdb). `cargo test` above already runs the store contract on both backends
# and tests/src/postgres.rs (several instances, an outage).
test-postgres:
	SCIMLAB_TEST_BACKEND=postgres cargo test --locked -p scimlab-tests --test integration

test-ui:
	npm --prefix ui run typecheck
	npm --prefix ui test

# After test-rust: `cargo test` leaves a dev-server build of the desktop binary; tauri build
# replaces it with the one that embeds ui/dist, which the desktop test drives, and bundles it
# (a few seconds more) into the .deb and .rpm that package.test.mjs unpacks and starts.
e2e:
	$(TAURI) build --debug $(BUNDLES)
	$(XVFB) ./scripts/e2e.sh

# The installable app: target/$(PROFILE)/bundle/deb/ScimLab_<version>_amd64.deb and
# target/$(PROFILE)/bundle/rpm/ScimLab-<version>-1.x86_64.rpm (no AppImage: it needs downloads).
package:
	./scripts/ensure-toolchain.sh
	./scripts/ensure-desktop-deps.sh --package
	$(TAURI) build $(if $(filter release,$(PROFILE)),,--debug) $(BUNDLES)
	@ls -l target/$(if $(filter release,$(PROFILE)),release,debug)/bundle/deb/*.deb target/$(if $(filter release,$(PROFILE)),release,debug)/bundle/rpm/*.rpm

# The headless server's .deb (scimlab serve under systemd; docs/deploy.md).
deb:
	./scripts/ensure-toolchain.sh
	./scripts/build-deb.sh

lint:
	cargo clippy --locked --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

# Seeds 100 000 users over loopback and times the requests IdPs make, then `scimlab bench` against
# ScimLab and scim2-server 0.8.3 in the same run (scripts/bench-peers.sh); writes docs/benchmarks.md.
bench:
	./scripts/ensure-toolchain.sh
	./scripts/ensure-desktop-deps.sh --bench
	cargo build --locked --release -p scimlab-cli --bin scimlab
	cargo build --locked --release -p scimlab-tests --bin scimlab-bench --bin scimlab-commit-ceiling
	./scripts/bench.sh
	./scripts/bench-peers.sh
	./scripts/bench-postgres.sh

# The README's screenshots (assets/): the real UI at 1024×576 CSS pixels, device scale 1.25 (a
# 1280×720 screen at 125 %), after Entra ID and Okta simulations; light, dark and presentation mode.
screenshots: ui
	./scripts/ensure-desktop-deps.sh --test
	cargo build --locked -p scimlab-cli --bin scimlab
	cd ui && node e2e/screenshots.mjs

# ScimLab at size (scripts/bench-size.sh): seeds 100 000 users and 1 000 000 exchanges once
# through the store (scimlab-seed, a few minutes; reused afterwards), then times a release
# `scimlab serve` starting on it, its memory after the admin reads the UI makes, the disk it
# uses and its WAL under sustained writes and 20 s after; writes its section of docs/benchmarks.md.
SIZE_USERS ?= 100000
SIZE_EXCHANGES ?= 1000000
bench-size:
	./scripts/ensure-toolchain.sh
	./scripts/ensure-desktop-deps.sh --bench
	cargo build --locked --release -p scimlab-cli --bin scimlab
	cargo build --locked --release -p scimlab-tests --bin scimlab-seed
	SIZE_USERS=$(SIZE_USERS) SIZE_EXCHANGES=$(SIZE_EXCHANGES) ./scripts/bench-size.sh

# Traffic and Users in chromium on the database bench-size seeds (1 000 000 exchanges, 100 000
# users; seeded first when missing), and Traffic in the desktop window (Xvfb, tauri-driver) at
# 100 000 exchanges seeded over loopback; writes docs/benchmarks-ui.md.
bench-ui: ui
	./scripts/ensure-desktop-deps.sh --test
	cargo build --locked -p scimlab-cli --bin scimlab
	cargo build --locked --release -p scimlab-tests --bin scimlab-seed
	$(TAURI) build --debug --no-bundle
	cd ui && SIZE_DB=$$(../scripts/bench-size.sh --seed-only) $(XVFB) node e2e/traffic.bench.mjs

# The property tests of crates/scim (tests/proptest_scim.rs) with many cases, in release mode
# (20 000 cases of each property: under a minute on 2 cores; PROPTEST_CASES to change). The
# ignored property names a bug it found; `cargo test -p scimlab-scim --test proptest_scim --
# --ignored` runs it.
PROPTEST_CASES ?= 20000
fuzz:
	./scripts/ensure-toolchain.sh
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test --locked --release -p scimlab-scim --test proptest_scim

# Floods a release `scimlab serve` (loopback, temp database) with rejected and hostile requests
# while `scimlab simulate entra` runs against it; writes docs/soak.md. SOAK_SECONDS (default 180).
soak:
	./scripts/ensure-toolchain.sh
	cargo build --locked --release -p scimlab-cli --bin scimlab
	cargo build --locked --release -p scimlab-tests --bin scimlab-soak
	./target/release/scimlab-soak --scimlab target/release/scimlab --out docs/soak.md
