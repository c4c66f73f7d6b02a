# meshperf. Every target installs what it needs into ./bin; tool versions are
# pinned here.
GO              ?= go
BIN             := $(CURDIR)/bin
STATICCHECK     := $(BIN)/staticcheck
STATICCHECK_VER := v0.8.2# staticcheck 2026.2.2
BENCHSTAT       := $(BIN)/benchstat
BENCHSTAT_VER   := v0.0.0-20260908200009-22c9c6c9d4da
PKGS            := ./...
BENCH           ?= .
BENCHTIME       ?= 1s# load benchmarks take longer than this per run, so they run once
COUNT           ?= 1

.PHONY: test bench demo demo-echo lint cover fmt tools

## test: every test, with the race detector, one package at a time so that
## timing tests never share the two cores with another package's tests
test:
	$(GO) test -race -count=1 -p 1 -timeout 20m $(PKGS)

## bench: the Go benchmarks (generator throughput and CPU, memory, waiter lag)
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -count $(COUNT) -timeout 30m $(PKGS)

## demo: baseline against both with the built-in sidecar on the local fixture,
## concurrency 2..64 at 1000 QPS, printed as a table (as root: namespaces and
## cgroups; otherwise processes on 127.0.0.1, which the header says)
demo:
	$(GO) build -o $(BIN)/meshperf ./cmd/meshperf
	@mkdir -p out
	$(BIN)/meshperf sweep -sidecar builtin -mode baseline,both -c 2,4,8,16,32,64 -qps 1000 \
	  -t 2s -warmup 500ms -json out/demo.json
	@echo "every step, with histograms and sidecar resources: out/demo.json"

## demo-echo: the generator alone against the built-in echo server
demo-echo:
	$(GO) run ./examples/echo-sweep

## lint: gofmt, go vet and staticcheck must all be clean
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

## cover: test coverage per package, and cover.out for go tool cover
cover:
	$(GO) test -count=1 -coverprofile=cover.out $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

tools: $(STATICCHECK) $(BENCHSTAT)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

$(BENCHSTAT):
	GOBIN=$(BIN) $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VER)
