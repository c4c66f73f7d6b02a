package meshperf

import (
	"encoding/json"
	"testing"
	"time"
)

// A capacity step whose run answered nothing writes no latency: p50_ms and
// p99_ms are null, never 0, and its error rate is ErrorRate's.
func TestCapacityStepJSONOfAnEmptyRun(t *testing.T) {
	empty := resultWith(t, 0, nil, nil)
	empty.Requests, empty.StatusCodes, empty.TransportErrors = 10, map[int]int64{}, map[string]int64{"connect": 10}
	empty.summarize()
	full := resultWith(t, 0, []time.Duration{time.Millisecond, 2 * time.Millisecond}, nil)
	c := &CapacityResult{Steps: []CapacityStep{{QPS: 100, Result: empty}, {QPS: 50, Pass: true, Result: full}}}
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
		if v, _ := j.Steps[1][k].(float64); v <= 0 {
			t.Errorf("answered step: %s = %v, want its latency", k, j.Steps[1][k])
		}
	}
	if j.Steps[0]["error_rate"] != empty.ErrorRate() {
		t.Errorf("empty step: error_rate %v, ErrorRate %v", j.Steps[0]["error_rate"], empty.ErrorRate())
	}
}
