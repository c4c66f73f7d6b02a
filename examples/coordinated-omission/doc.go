// Command coordinated-omission measures one stalling server twice: with
// meshperf, which times each request from its intended send time, and with
// fortio's periodic runner and fast HTTP client, which time it from the
// actual send. The server freezes for a fixed time at a fixed period (a
// stop-the-world pause, a lock held too long), and the program prints both
// tools' percentiles side by side with the p99 that the arithmetic predicts.
//
//	go run ./examples/coordinated-omission [-stall 400ms] [-every 4s] [-t 12s] [-qps 1000] [-c 8]
//
// See README.md for the numbers of a real run and why they differ.
package main
