package capacity_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// A capacity step whose run answered nothing writes no latency: p50_ms and
// p99_ms are null, never 0, and its error rate is ErrorRate's.
func TestStepJSONOfAnEmptyRun(t *testing.T) {
	empty := &meshperf.Result{ID: "empty", RequestedQPS: 100, Concurrency: 2, Requests: 10,
		StatusCodes: map[int]int64{}, TransportErrors: map[string]int64{"connect": 10}}
	full := &meshperf.Result{ID: "full", RequestedQPS: 50, ActualQPS: 50, Concurrency: 2, Requests: 2,
		StatusCodes: map[int]int64{200: 2}, Latency: latency.Summary{Count: 2, P50: time.Millisecond, P99: 2 * time.Millisecond}}
	c := &capacity.Result{Steps: []capacity.Step{{QPS: 100, Result: empty}, {QPS: 50, Pass: true, Result: full}}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Steps []map[string]any `json:"steps"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p50_ms", "p99_ms"} {
		if v, ok := j.Steps[0][k]; !ok || v != nil {
			t.Errorf("empty step: %s = %v (present %v), want null", k, v, ok)
		}
	}
	if j.Steps[1]["p50_ms"] != 1.0 || j.Steps[1]["p99_ms"] != 2.0 {
		t.Errorf("answered step: p50_ms %v, p99_ms %v, want 1 and 2", j.Steps[1]["p50_ms"], j.Steps[1]["p99_ms"])
	}
	if j.Steps[0]["error_rate"] != empty.ErrorRate() || empty.ErrorRate() != 1 {
		t.Errorf("empty step: error_rate %v, ErrorRate %v, want 1", j.Steps[0]["error_rate"], empty.ErrorRate())
	}
}
