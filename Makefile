# Convenience targets; all logic lives in Go and in the scripts they call.
GO ?= go

.PHONY: build test golden vet e2e bench check

build:
	$(GO) build -o bin/coredb ./cmd/coredb

# Unit, golden and CLI tests. Needs only Go.
test:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -race -shuffle=on -count=1 ./...

# Rewrite golden files and testscript expectations; review every diff.
golden:
	COREDB_UPDATE=1 $(GO) test ./...

# End-to-end suite: real kube-apiserver + CloudNativePG webhooks (the referee,
# COREDB_REFEREE, default ../shared/harness/referee.sh) and real PostgreSQL.
# See docs/e2e.md.
e2e:
	GO=$(GO) bash e2e/run.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./compile
	bash scripts/bench.sh 1000

check: test
	$(GO) mod tidy -diff
