package meshperf

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf/latency"
)

// synthetic returns a Result with n answered requests whose latencies are
// base, base+step, ...
func synthetic(t *testing.T, n int, base, step time.Duration) *Result {
	t.Helper()
	resp, _ := latency.New(0)
	svc, _ := latency.New(0)
	lag, _ := latency.New(0)
	for i := range n {
		resp.Record(base + time.Duration(i)*step)
		svc.Record(base/2 + time.Duration(i)*step)
		lag.Record(time.Duration(i%7) * time.Microsecond)
	}
	start := time.Date(2026, 11, 22, 5, 0, 0, 123456789, time.UTC)
	r := &Result{ID: "abc", Labels: map[string]string{"mode": "both"}, URL: "http://127.0.0.1:1/", Protocol: HTTP1,
		Start: start, End: start.Add(time.Duration(n) * time.Millisecond), RequestedQPS: 1000, Concurrency: 4,
		Requests: int64(n) + 3, StatusCodes: map[int]int64{200: int64(n) - 1, 503: 1},
		TransportErrors: map[string]int64{"connect": 2, "timeout": 1}, Late: 5, WarmupRequests: 100,
		ResponseHist: resp, ServiceHist: svc, SendLagHist: lag}
	r.summarize()
	return r
}

func TestResultJSONHasTheSMPFields(t *testing.T) {
	r := synthetic(t, 1000, time.Millisecond, time.Microsecond)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"smp_version", "id", "labels", "start_time", "end_time", "latencies_ms", "actual_qps",
		"requested_qps", "concurrency", "requests", "errors", "status_codes", "late", "service_latencies_ms",
		"send_lag_ms", "histograms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat := m["latencies_ms"].(map[string]any)
	for _, k := range []string{"min", "average", "p50", "p90", "p99", "max", "p75", "p999"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latencies_ms lacks %q", k)
		}
	}
	if got := m["errors"].(float64); got != 4 { // 2 connect + 1 timeout + one 503
		t.Errorf("errors = %v, want 4", got)
	}
	if got := lat["p50"].(float64); got < 1.49 || got > 1.51 {
		t.Errorf("latencies_ms.p50 = %v ms, want about 1.5", got)
	}
	h := m["histograms"].(map[string]any)
	if h["unit"] != "ns" || h["encoding"] != HistogramEncoding {
		t.Errorf("histograms unit/encoding = %v/%v", h["unit"], h["encoding"])
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	r := synthetic(t, 5000, 200*time.Microsecond, 100*time.Nanosecond)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Latency != r.Latency || back.Service != r.Service || back.SendLag != r.SendLag {
		t.Errorf("summaries changed in the round trip:\n got  %+v\n want %+v", back.Latency, r.Latency)
	}
	if !back.ResponseHist.Equal(r.ResponseHist) {
		t.Error("response histogram changed in the round trip")
	}
	if back.Requests != r.Requests || back.Failures() != r.Failures() || back.Late != r.Late ||
		!back.Start.Equal(r.Start) || !back.End.Equal(r.End) || back.StatusCodes[503] != 1 {
		t.Errorf("counts or times changed: %+v", back)
	}
}

func TestResultJSONRejectsForeignHistograms(t *testing.T) {
	for _, doc := range []string{
		`{"histograms":{"unit":"ms"}}`,
		`{"histograms":{"unit":"ns","encoding":"csv"}}`,
		`{"histograms":{"unit":"ns","response":"!!"}}`,
		`{"status_codes":{"two hundred":1}}`,
	} {
		var r Result
		if err := json.Unmarshal([]byte(doc), &r); err == nil {
			t.Errorf("Unmarshal(%s): want an error", doc)
		}
	}
}

func TestMergeIsLossless(t *testing.T) {
	a := synthetic(t, 3000, time.Millisecond, time.Microsecond)
	b := synthetic(t, 2000, 2*time.Millisecond, 2*time.Microsecond)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := a.ResponseHist.Clone()
	want.Merge(b.ResponseHist)
	if !m.ResponseHist.Equal(want) {
		t.Error("merged histogram differs from the merge of the inputs' histograms")
	}
	if m.Requests != a.Requests+b.Requests || m.Latency.Count != 5000 || m.Concurrency != 8 ||
		m.RequestedQPS != 2000 || m.TransportErrors["connect"] != 4 || m.StatusCodes[200] != 4998 {
		t.Errorf("merged counts wrong: %+v", m)
	}
	// Inputs are not modified.
	if a.ResponseHist.Count() != 3000 {
		t.Error("Merge modified its input")
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge() of nothing: want an error")
	}
	if _, err := Merge(a, &Result{}); err == nil {
		t.Error("Merge with a result lacking histograms: want an error")
	}
}

func TestCheckRefusesEmptyAndFailingRuns(t *testing.T) {
	empty := &Result{URL: "http://127.0.0.1:1/", Requests: 10, TransportErrors: map[string]int64{"connect": 10}}
	err := empty.check(0.1)
	if !errors.Is(err, ErrNoSamples) || !strings.Contains(err.Error(), "connect: 10") {
		t.Errorf("empty run: error = %v, want ErrNoSamples naming the connect failures", err)
	}
	r := synthetic(t, 100, time.Millisecond, 0)
	if err := r.check(0.01); !errors.Is(err, ErrTooManyErrors) || !strings.Contains(err.Error(), "status 503: 1") {
		t.Errorf("4 of 103 failed with 1%% allowed: error = %v, want ErrTooManyErrors", err)
	}
	if err := r.check(0.05); err != nil {
		t.Errorf("4 of 103 failed with 5%% allowed: %v", err)
	}
}

type fakeReporter map[string]float64

func (f fakeReporter) ReportMetric(n float64, unit string) { f[unit] = n }

func TestReportMetrics(t *testing.T) {
	r := synthetic(t, 1000, time.Millisecond, time.Microsecond)
	got := fakeReporter{}
	ReportTo(got, r)
	if v, ok := got["ns/op"]; !ok || v != 0 {
		t.Errorf("ns/op = %v (reported %v), want 0 to hide it", v, ok)
	}
	if got["p99-ns"] != float64(r.Latency.P99) || got["p50-ns"] != float64(r.Latency.P50) {
		t.Errorf("p99-ns %v p50-ns %v; want %v %v", got["p99-ns"], got["p50-ns"], r.Latency.P99, r.Latency.P50)
	}
	if got["req/s"] != r.ActualQPS || got["err-%"] != 100*r.ErrorRate() {
		t.Errorf("req/s %v err-%% %v", got["req/s"], got["err-%"])
	}
	for unit := range got {
		if strings.ContainsAny(unit, " \t") {
			t.Errorf("unit %q has whitespace", unit)
		}
	}
	var b strings.Builder
	if err := WriteUnits(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Unit p99-ns better=lower\n") || !strings.Contains(b.String(), "Unit req/s better=higher\n") {
		t.Errorf("WriteUnits wrote:\n%s", b.String())
	}
}

func TestResourcesTravelInJSONAndMetrics(t *testing.T) {
	r := synthetic(t, 100, time.Millisecond, 0)
	r.Resources = map[string]Resources{"client-sidecar": {CPUMean: 105 * Millicore, CPUMax: 150 * Millicore,
		WorkingSetMean: 14 * MiB, WorkingSetMax: 15 * MiB, RSSMax: 12 * MiB, Samples: 10, CPULimit: Core,
		MemoryLimit: 512 * MiB, Enforced: true, Source: "cgroup v1"}}
	r.Environment = map[string]string{"fixture": "local", "isolation": "netns"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Resources["client-sidecar"] != r.Resources["client-sidecar"] || back.Environment["isolation"] != "netns" {
		t.Errorf("resources or environment changed:\n got  %+v %v\n want %+v", back.Resources, back.Environment, r.Resources)
	}
	got := fakeReporter{}
	ReportTo(got, r)
	if v := got["client-sidecar-cpu-mcores"]; v < 104.99 || v > 105.01 {
		t.Errorf("client-sidecar-cpu-mcores = %v, want 105", v)
	}
	if got["client-sidecar-mem-B"] != float64(15*MiB) {
		t.Errorf("client-sidecar-mem-B = %v", got["client-sidecar-mem-B"])
	}
}
