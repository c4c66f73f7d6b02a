package compare

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// A result without answered requests writes its latency summaries as null;
// compare reads it as a result without latencies, never as 0 ns, in a single
// result and in a document's steps. Files that still say actual_qps read too.
func TestDecodeReadsEmptyResults(t *testing.T) {
	empty := &meshperf.Result{Requests: 10, Concurrency: 1, TransportErrors: map[string]int64{"connect": 10}}
	b, err := json.Marshal(empty)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		wantQPS   float64
	}{
		{"single", string(b), 0},
		{"document", `{"smp_version":"v0.0.1","steps":[` + string(b) + `]}`, 0},
		{"old name", `{"smp_version":"v0.0.1","concurrency":1,"latencies_ms":{"count":0,"p99":0},"actual_qps":12.5}`, 12.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			rs := f.Results
			if len(rs) != 1 || rs[0].Latency.Count != 0 || rs[0].ActualQPS != tt.wantQPS {
				t.Fatalf("decoded %+v", rs[0])
			}
			if v, ok := P99.value(rs[0]); ok {
				t.Errorf("p99 of an empty result reads %v", v)
			}
		})
	}
}
