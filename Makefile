# ScimLab: the two commands the README promises, and a few helpers.
#   make serve   run the SCIM endpoint (builds what it needs; database in the OS data dir)
#   make test    run every test (what CI runs)
.PHONY: serve test lint fmt bench

SERVE_ARGS ?=

serve:
	./scripts/ensure-toolchain.sh
	cargo run --locked -p scimlab-engine --bin scimlab -- serve $(SERVE_ARGS)

test:
	./scripts/ensure-toolchain.sh
	cargo fmt --all -- --check
	cargo build --locked -p scimlab-engine --bin scimlab   # the CLI tests run the real binary
	cargo test --locked --workspace
	cargo clippy --locked --workspace --all-targets -- -D warnings

lint:
	cargo clippy --locked --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

# Seeds 100 000 users over loopback and times the requests IdPs make; writes docs/benchmarks.md.
bench:
	./scripts/ensure-toolchain.sh
	cargo build --locked --release -p scimlab-tests --bin scimlab-bench
	./scripts/bench.sh
