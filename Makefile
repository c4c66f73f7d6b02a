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

.PHONY: check test test-build bench demo demo-echo examples ci-gate lint cover fmt tools

## check: the contributor's quick loop: every package's unit tests and the
## fast integration tests, the ground truths (stall, precision, rate) scaled
## down, without the race detector. Long suites (docker, kube, full sweeps,
## the ci-gate example) skip under -short and say so. CI never runs it;
## make test is the real thing. Measured on a fresh clone (README, "How long
## the checks take"):
##   git clone -q . /tmp/fresh-check && cd /tmp/fresh-check &&
##   GOCACHE=$(mktemp -d) /usr/bin/time -v make check   # cold, then again warm
## The tests build as the fixtures' meshperf does (CGO_ENABLED=0, -trimpath),
## so that one compile of the dependencies serves both; that binary is
## built once (POD_BIN) for every test process. Compiled on both cores
## first, as make test is; then one package at a time: timing tests that
## share the two cores with another package's fail on stalls that are not
## theirs.
CHECK_ENV := CGO_ENABLED=0
CHECK_FLAGS := -trimpath
check:
	@$(CHECK_ENV) $(GO) list $(CHECK_FLAGS) -test -export -deps $(PKGS) >/dev/null 2>&1 || true
	@$(POD_BUILD)
	@MESHPERF_BIN=$(POD_BIN) $(CHECK_ENV) bash -o pipefail -c '$(GO) test $(CHECK_FLAGS) -short -count=1 -p 1 -timeout 5m -json $(PKGS) | $(TESTSUM) $(TESTSUM_FLAGS)'

## test: every test, with the race detector, one package at a time so that
## timing tests never share the two cores with another package's tests.
## The first line compiles every package and its tests on both cores (-p 1
## would also compile one package at a time, which on a cold cache costs
## minutes; go list -export compiles without linking, which go test does
## anyway; a build error shows in the last line); the second builds the
## fixtures' meshperf once for every test process (POD_BIN). It
## prints each package, each failure, and the skips counted by reason
## (TESTSUM_FLAGS=-v lists each); TESTSUM_FLAGS='-strict -allow envoy,pipy'
## (as CI runs it) fails on any other skip.
TESTSUM_FLAGS ?=
test: test-build
	@MESHPERF_BIN=$(POD_BIN) bash -o pipefail -c '$(GO) test -race -count=1 -p 1 -timeout 20m -json $(PKGS) | $(TESTSUM) $(TESTSUM_FLAGS)'

## test-build: make test's compile, alone (CI runs it while the Kubernetes
## build runs); make test repeats it from the build cache in seconds.
## (Running the race build and POD_BIN's side by side gained nothing in a
## cold make test as non-root: 8m55s against 8m32s one after the other.)
test-build:
	@$(GO) list -race -test -export -deps $(PKGS) >/dev/null 2>&1 || true
	@$(POD_BUILD)

## POD_BIN: the meshperf that the fixtures run in their pods, as
## fixtures/internal/binary builds it (static, trimmed paths, -tags
## meshperfpod); check and test build it once and hand it to every test
## process as $MESHPERF_BIN, which otherwise each would build (or at least
## relink) for itself.
POD_BIN   := $(BIN)/meshperf-pod
POD_BUILD := env CGO_ENABLED=0 $(GO) build -trimpath -tags meshperfpod -o $(POD_BIN) ./cmd/meshperf
# hack/testsum, built as POD_BIN is, so that it compiles nothing more
TESTSUM   := env CGO_ENABLED=0 $(GO) run -trimpath ./hack/testsum

## bench: the Go benchmarks (generator throughput and CPU, memory, waiter lag).
## The generator's CPU is also measured beside wrk, h2load and fortio's
## runner, each in its own process (BenchmarkGeneratorProcess*, ./meshperf);
## without Debian's wrk and nghttp2-client those skip, unless
## MESHPERF_REQUIRE names wrk or h2load. Five rounds of those alone:
## make bench PKGS=./meshperf BENCH=GeneratorProcess BENCHTIME=5x
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -count $(COUNT) -timeout 30m $(PKGS)

## demo: examples/sidecar-overhead with 2 s steps: baseline against both for
## the built-in, HAProxy and nginx sidecars (those installed), concurrency
## 2..64 at 1000 QPS, mTLS, 1 CPU / 512Mi; a step per line, then a table and
## out/report.html (as root: namespaces and cgroups; otherwise the loopback
## variant, which it says)
demo:
	@mkdir -p out
	@rm -f out/demo.json out/demo.json.lock
	@MESHPERF_OUT=$(CURDIR)/out/demo.json bash -o pipefail -c '$(GO) test ./examples/sidecar-overhead \
	  -run "^$$" -bench . -v -timeout 15m -args -step 2s -warmup 500ms -report "$(CURDIR)/out/report.html" \
	  | tee out/demo-bench.txt | grep --line-buffered -v -E "^(Benchmark|Unit |goos:|goarch:|pkg:|cpu:|PASS|ok )"'
	@echo "every step as JSON (histograms, sidecar resources): out/demo.json"
	@echo "benchstat input: out/demo-bench.txt (make tools; bin/benchstat -col /mode out/demo-bench.txt)"

## examples: every example in its short mode, tests (with the race
## detector) and benchmarks, so that none of them rots
examples:
	$(GO) test -race -count=1 -p 1 -short -timeout 10m ./examples/...
	$(GO) test -count=1 -p 1 -short -run '^$$' -bench . -benchtime 1x -timeout 10m ./examples/...

## ci-gate: the regression gate of examples/ci-gate. It records a baseline
## once (delete out/ci-gate/baseline.json to record it again), measures again,
## and fails when meshperf compare finds a significant crossing of GATE.
## Inject a regression with CI_GATE_APP_DELAY=2ms.
GATE       ?= p50>+25%,p99>+50%,err>+0.5%,total_sidecar_cpu>+25%
GATE_COUNT ?= 5
ci-gate:
	$(GO) build -o $(BIN)/meshperf ./cmd/meshperf
	@mkdir -p out/ci-gate
	@if [ ! -f out/ci-gate/baseline.json ]; then \
	  echo "recording the baseline: out/ci-gate/baseline.json"; \
	  CI_GATE_APP_DELAY= MESHPERF_OUT=$(CURDIR)/out/ci-gate/baseline.json $(GO) test ./examples/ci-gate \
	    -run '^$$' -bench . -count $(GATE_COUNT) > out/ci-gate/baseline.txt || { cat out/ci-gate/baseline.txt; exit 1; }; \
	fi
	@rm -f out/ci-gate/new.json
	@MESHPERF_OUT=$(CURDIR)/out/ci-gate/new.json $(GO) test ./examples/ci-gate \
	  -run '^$$' -bench . -count $(GATE_COUNT) > out/ci-gate/new.txt || { cat out/ci-gate/new.txt; exit 1; }
	$(BIN)/meshperf compare -fail-on '$(GATE)' out/ci-gate/baseline.json out/ci-gate/new.json

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

.PHONY: kube-build kube-up kube-down

## kube-build: build (or reuse) Kubernetes v1.34.4 for the local cluster, in
## $MESHPERF_KUBE_CACHE (default /var/cache/meshperf/kube/v1.34.4)
kube-build:
	hack/kube/build.sh

## kube-up: a local single-node Kubernetes cluster (root; idempotent); prints
## the kubeconfig path (/run/meshperf-kube/kubeconfig). See hack/kube/README.md.
kube-up:
	hack/kube/up.sh

## kube-down: remove the local cluster and every trace of it (keeps the build)
kube-down:
	hack/kube/down.sh

tools: $(STATICCHECK) $(BENCHSTAT)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

$(BENCHSTAT):
	GOBIN=$(BIN) $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VER)
