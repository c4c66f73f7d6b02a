// Command meshperf is meshperf's one binary: the load generator, the echo
// app, the built-in sidecar, sweeps and capacity searches on the local,
// docker and kube fixtures, and their reaper. Pods run it in each of those
// roles.
//
//	meshperf load [flags] URL    open-loop load with HDR latency, JSON out
//	meshperf echo [flags]        a fast HTTP/1.1, h2c and gRPC-health echo server
//	meshperf sidecar [flags]     the built-in mTLS sidecar proxy
//	meshperf sweep [flags]       modes × concurrency on a fixture (-fixture local|docker|kube)
//	meshperf capacity [flags]    the highest rate that keeps a budget, on a URL or a fixture
//	meshperf reap                remove leftovers of interrupted local runs
//	meshperf compare OLD NEW     per-step deltas, significance, -fail-on gates
//	meshperf report -o F FILES   a self-contained HTML report (inline SVG)
//
// Exit codes: 0 success; 1 the run failed (said plainly on stderr); 2 bad
// usage, with a message that names the flag or argument as written.
package main
