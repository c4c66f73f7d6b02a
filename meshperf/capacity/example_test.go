package capacity_test

import (
	"context"
	"fmt"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// knee is a Target that answers every step at once, with a p99 of 1 ms up
// to 1000 req/s and 50 ms above: a service whose capacity is known.
type knee struct{ n int }

func (k *knee) Load(_ context.Context, p meshperf.Plan) (*meshperf.Result, error) {
	k.n++
	p99 := time.Millisecond
	if p.QPS > 1000 {
		p99 = 50 * time.Millisecond
	}
	return &meshperf.Result{ID: fmt.Sprint(k.n), RequestedQPS: p.QPS, ActualQPS: p.QPS, Concurrency: p.Concurrency,
		Requests: 100, StatusCodes: map[int]int64{200: 100}, Latency: latency.Summary{Count: 100, P50: p99 / 2, P99: p99, Max: p99}}, nil
}

// SearchContext finds the highest rate whose steps keep the budget: ×2
// from the start rate until a step fails, then the bracket narrowed to 1%,
// then the boundary retried. Against a real service, pass
// meshperf.URL(...) or a fixture's Target; Search is the same for tests
// and benchmarks.
func ExampleSearchContext() {
	res, err := capacity.SearchContext(context.Background(), &knee{}, assertions.Budget{P99: 10 * time.Millisecond},
		capacity.StartRate(100), capacity.Load(meshperf.Concurrency(16), meshperf.Duration(time.Second)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Verdict())
	// Output:
	// capacity 998.6 req/s: passed at 998.6, failed at 1004 (within 1%); 3 tries agree (spread 0.0%)
}
