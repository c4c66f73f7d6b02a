// Package examples holds runnable meshperf programs and benchmarks. Nothing
// imports them; each subdirectory has a README that says what it shows:
//
//   - sidecar-overhead: the Istio-vs-FSM method as a go test benchmark
//     (`make demo` runs it with short steps);
//   - coordinated-omission: a stalling server measured by meshperf and by
//     fortio, side by side;
//   - e2e-suite: a meshperf sweep inside an e2e-framework suite;
//   - ci-gate: a regression gate on `meshperf compare -fail-on`
//     (`make ci-gate`);
//   - echo-sweep: the load generator alone against the built-in echo server.
//
// `make examples` runs every one of them in its short mode.
package examples
