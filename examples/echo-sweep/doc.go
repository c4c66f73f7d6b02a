// Command echo-sweep is meshperf's demo: it serves the built-in echo app on
// loopback and sweeps concurrency at a constant open-loop rate, printing one
// row per step. Every number comes from HDR histograms of response time
// measured from each request's intended send time.
//
//	go run ./examples/echo-sweep [-qps 1000] [-c 2,4,8,16,32,64] [-t 3s] [-warmup 500ms] [-delay 0]
package main
