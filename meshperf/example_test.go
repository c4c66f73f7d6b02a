package meshperf_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/meshperf"
)

// RunContext drives an open-loop load at a URL and returns what it
// measured. The schedule is exact: at 200 req/s for 500 ms there are 100
// send slots, each either sent (Requests) or reported as Unsent.
func ExampleRunContext() {
	srv, err := echo.New(echo.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	res, err := meshperf.RunContext(context.Background(), meshperf.URL(srv.URL()),
		meshperf.QPS(200), meshperf.Concurrency(2), meshperf.Duration(500*time.Millisecond), meshperf.Warmup(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("slots:", res.Requests+res.Unsent)
	fmt.Println("all answered 200:", res.StatusCodes[200] == res.Requests)
	fmt.Println("p50 ≤ p99:", res.Latency.P50 <= res.Latency.P99)
	// Output:
	// slots: 100
	// all answered 200: true
	// p50 ≤ p99: true
}

// Run is RunContext for tests and benchmarks: it stops the test when the
// run fails, and in a benchmark it reports the metrics the testing.B way,
// so that benchstat compares runs. Run benchmarks with -benchtime 1x.
func ExampleRun() {
	benchmark := func(b *testing.B) {
		srv, err := echo.New(echo.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Close() })
		for _, conc := range []int{2, 16} {
			b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
				meshperf.Run(b, meshperf.URL(srv.URL()), meshperf.QPS(1000), meshperf.Concurrency(conc),
					meshperf.Duration(5*time.Second))
			})
		}
	}
	_ = benchmark // func BenchmarkEcho(b *testing.B) { benchmark(b) }
}

// URL names a target to load from this process. Only http:// URLs with a
// host are accepted; anything else is an error that says what is allowed.
func ExampleURL() {
	target := meshperf.URL("http://127.0.0.1:8080/echo")
	fmt.Println(target.URL)

	_, err := meshperf.ParseURL("ftp://127.0.0.1/")
	fmt.Println(err != nil)
	// Output:
	// http://127.0.0.1:8080/echo
	// true
}

// Merge combines the results of load generators that ran side by side into
// one, without losing any histogram resolution: its percentiles are those
// of all the requests together, not an average of percentiles.
func ExampleMerge() {
	srv, err := echo.New(echo.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	results := make([]*meshperf.Result, 2)
	errs := make(chan error, 2)
	for i := range results {
		go func() {
			var err error
			results[i], err = meshperf.RunContext(context.Background(), meshperf.URL(srv.URL()),
				meshperf.QPS(100), meshperf.Concurrency(1), meshperf.Duration(500*time.Millisecond), meshperf.Warmup(0))
			errs <- err
		}()
	}
	for range results {
		if err := <-errs; err != nil {
			fmt.Println(err)
			return
		}
	}
	all, err := meshperf.Merge(results...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("requested rate:", all.RequestedQPS)
	fmt.Println("slots:", all.Requests+all.Unsent)
	fmt.Println("samples:", all.Latency.Count == results[0].Latency.Count+results[1].Latency.Count)
	// Output:
	// requested rate: 200
	// slots: 100
	// samples: true
}
