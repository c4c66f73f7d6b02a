// Package sidecaroverhead is the Istio-vs-FSM method as a go test benchmark:
// client and server pods, baseline against both sidecars, concurrency 2 to
// 64 at 1000 QPS, sidecars limited to 1 CPU and 512 MiB, mTLS on.
//
// By default it runs on the local fixture and compares the built-in sidecar,
// HAProxy and nginx; with KUBECONFIG and MESH=istio|linkerd|fsm (built with
// -tags kube) it runs the same sweep on that cluster's mesh. Every step is a
// sub-benchmark named key=value (sidecar=haproxy/mode=both/conc=16), so
//
//	go test -run '^$' -bench . -count 5 | tee new.txt
//	benchstat -col /mode new.txt
//
// shows what the sidecars add, with significance. Each step checks a Budget,
// and TestMain builds one HTML report of every step at the end, written to
// -report FILE when given. See README.md.
//
// The package holds only tests; nothing imports it.
package sidecaroverhead
