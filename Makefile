# Convenience targets; all logic lives in Go and in the scripts they call.
GO ?= go

.PHONY: build test golden vet e2e bench check fuzz

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

# Every fuzz target for FUZZTIME each (default 60s), then executions per
# target, the total and the slowest inputs. CI runs it with FUZZTIME=10s.
FUZZTIME ?= 60s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Go benchmarks of the compiler (medians, ratio to the sigs.k8s.io/yaml
# floor), then whole processes over 1000 databases. docs/performance.md.
bench:
	GO=$(GO) bash scripts/benchgo.sh 5
	GO=$(GO) bash scripts/bench.sh 1000

check: test
	$(GO) mod tidy -diff
