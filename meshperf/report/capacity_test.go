package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/latency"
)

func capacitySource() Source {
	var results []*meshperf.Result
	c := &capacity.Result{QPS: 400, Pass: 400, Fail: 800, Converged: true, Stop: capacity.StopConverged, Tolerance: 0.01,
		Criterion: "p99<5ms", Labels: map[string]string{"mode": "both", "sidecar": "<b>x</b>"}}
	for i, q := range []float64{100, 200, 400, 800} {
		r := &meshperf.Result{ID: string(rune('a' + i)), RequestedQPS: q, ActualQPS: q, Requests: 100, Concurrency: 8,
			StatusCodes: map[int]int64{200: 100}, Latency: latency.Summary{Count: 100, P50: time.Millisecond, P99: time.Duration(q) * 10 * time.Microsecond}}
		st := capacity.Step{QPS: q, Phase: capacity.PhaseRamp, Pass: q < 800, ResultID: r.ID} // as decoded: linked by id
		if !st.Pass {
			st.Err = errors.New("p99 8ms exceeds ceiling 5ms")
		}
		results = append(results, r)
		c.Steps = append(c.Steps, st)
	}
	return Source{Name: "cap.json", Results: results, Capacity: []*capacity.Result{c}}
}

func TestCapacitySection(t *testing.T) {
	p, err := Build([]Source{capacitySource()})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`<section class="capacity" data-max-qps="400">`, "mode both, sidecar &lt;b&gt;x&lt;/b&gt;",
		`<circle class="cpt fail" r="4"`, `data-x="800" data-y="8"`, `class="cap"`, "p99 8ms exceeds ceiling 5ms", "<code>p99&lt;5ms</code>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(html, `<circle class="cpt pass"`); n != 3 {
		t.Errorf("%d passing dots, want 3", n)
	}
	if strings.Contains(html, `id="latency"`) {
		t.Error("capacity steps were also drawn against concurrency")
	}
}

func TestCapacitySectionUnlinked(t *testing.T) {
	s := capacitySource()
	s.Results = s.Results[:2]
	if _, err := Build([]Source{s}); err == nil || !strings.Contains(err.Error(), "2 of its 4 steps are not among") {
		t.Errorf("a search whose steps are missing: %v", err)
	}
}
