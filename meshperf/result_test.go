package meshperf

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

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
	for _, k := range []string{"smp_version", "id", "labels", "start_time", "end_time", "latencies_ms", "actual_QPS",
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
	if h["unit"] != "ns" || h["encoding"] != histogramEncoding {
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

// resultWith returns a Result whose response and service histograms, of the
// given range, hold values, and whose send-lag histogram holds lags.
func resultWith(tb testing.TB, highest time.Duration, values, lags []time.Duration) *Result {
	tb.Helper()
	resp, err := latency.New(highest)
	if err != nil {
		tb.Fatal(err)
	}
	svc, _ := latency.New(highest)
	lag, _ := latency.New(highest)
	for _, v := range values {
		resp.Record(v)
		svc.Record(v / 2)
	}
	for _, v := range lags {
		lag.Record(v)
	}
	start := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	r := &Result{ID: "r", URL: "http://127.0.0.1:1/", Protocol: HTTP1, Start: start, End: start.Add(time.Second),
		RequestedQPS: 100, Concurrency: 2, Requests: int64(len(values)), StatusCodes: map[int]int64{200: int64(len(values))},
		ResponseHist: resp, ServiceHist: svc, SendLagHist: lag}
	r.summarize()
	return r
}

// roundTrip encodes r as JSON and decodes it back.
func roundTrip(tb testing.TB, r *Result) *Result {
	tb.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		tb.Fatalf("%v\n%s", err, b)
	}
	return &back
}

// logUniform returns n latencies spread log-uniformly over [lo, hi).
func logUniform(n int, lo, hi time.Duration, seed uint64) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(lo) * math.Pow(float64(hi)/float64(lo), rng.Float64()))
	}
	return out
}

// TestMergeIsLossless checks Merge against a histogram built independently,
// straight from hdrhistogram-go, holding every value of every input. The
// inputs have different ranges, and one comes back from its JSON.
func TestMergeIsLossless(t *testing.T) {
	inputs := []struct {
		name    string
		highest time.Duration
		values  []time.Duration
		viaJSON bool
	}{
		{"one minute", 0, logUniform(3000, time.Microsecond, 50*time.Second, 1), false},
		{"two hours", 2 * time.Hour, logUniform(2000, time.Millisecond, 100*time.Minute, 2), false},
		{"ten minutes, decoded", 10 * time.Minute, logUniform(1000, 10*time.Microsecond, 9*time.Minute, 3), true},
	}
	// Every order: the widest input first, in the middle and last.
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {2, 0, 1}} {
		var results []*Result
		var names []string
		want := hdr.New(1, int64(2*time.Hour), 3)
		wantLag := hdr.New(1, int64(2*time.Hour), 3)
		for _, i := range order {
			in := inputs[i]
			lags := logUniform(100, time.Microsecond, time.Millisecond, uint64(10+i))
			r := resultWith(t, in.highest, in.values, lags)
			if in.viaJSON {
				r = roundTrip(t, r)
			}
			results = append(results, r)
			names = append(names, in.name)
			for _, v := range in.values {
				if err := want.RecordValue(int64(v)); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range lags {
				_ = wantLag.RecordValue(int64(v))
			}
		}
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			m, err := Merge(results...)
			if err != nil {
				t.Fatal(err)
			}
			if m.Overflow != 0 || m.ResponseHist.Overflow() != 0 {
				t.Errorf("overflow %d (histogram %d): every value is within the widest input's range", m.Overflow, m.ResponseHist.Overflow())
			}
			sameDistribution(t, "response", m.ResponseHist, want)
			sameDistribution(t, "send lag", m.SendLagHist, wantLag)
			if m.Latency.Count != want.TotalCount() || m.Latency.Max != time.Duration(want.Max()) ||
				m.Latency.P99 != time.Duration(want.ValueAtQuantile(99)) {
				t.Errorf("summary %+v; want count %d, p99 %d, max %d", m.Latency, want.TotalCount(), want.ValueAtQuantile(99), want.Max())
			}
		})
	}
}

// sameDistribution checks that h holds exactly the counts of want, value by
// value, and reads the same at every percentile. h is read through its
// encoding, decoded by hdrhistogram-go.
func sameDistribution(tb testing.TB, name string, h *latency.Histogram, want *hdr.Histogram) {
	tb.Helper()
	text, err := h.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	got, err := hdr.Decode([]byte(text))
	if err != nil {
		tb.Fatal(err)
	}
	if got.TotalCount() != want.TotalCount() || got.Min() != want.Min() || got.Max() != want.Max() {
		tb.Fatalf("%s: count %d, min %d, max %d; want %d, %d, %d", name, got.TotalCount(), got.Min(), got.Max(),
			want.TotalCount(), want.Min(), want.Max())
	}
	counts := map[int64]int64{}
	for _, b := range got.Distribution() {
		if b.Count > 0 {
			counts[b.From] = b.Count
		}
	}
	bad := 0
	for _, b := range want.Distribution() {
		if counts[b.From] != b.Count && bad < 5 {
			tb.Errorf("%s: %d values at [%d, %d], want %d", name, counts[b.From], b.From, b.To, b.Count)
			bad++
		}
		delete(counts, b.From)
	}
	for from, n := range counts {
		if n > 0 && bad < 5 {
			tb.Errorf("%s: %d values at %d, where the reference has none", name, n, from)
			bad++
		}
	}
	for p := 0.0; p <= 100; p += 0.1 {
		if g, w := got.ValueAtPercentile(p), want.ValueAtPercentile(p); g != w {
			tb.Errorf("%s: p%.1f = %d, want %d", name, p, g, w)
			return
		}
	}
}

func TestMergeCountsAndInputs(t *testing.T) {
	a := synthetic(t, 3000, time.Millisecond, time.Microsecond)
	b := synthetic(t, 2000, 2*time.Millisecond, 2*time.Microsecond)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
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

// Overflow survives the JSON round trip and a Merge of decoded results, and
// the merged range is the widest input's, so nothing new is clamped.
func TestOverflowIsCarried(t *testing.T) {
	a := resultWith(t, 0, []time.Duration{time.Millisecond, 2 * time.Hour, 3 * time.Hour}, []time.Duration{90 * time.Minute})
	b := resultWith(t, 4*time.Hour, []time.Duration{time.Millisecond, 3 * time.Hour, 5 * time.Hour}, nil)
	if a.Overflow != 2 || b.Overflow != 1 {
		t.Fatalf("overflow a %d, b %d; want 2 and 1", a.Overflow, b.Overflow)
	}
	da, db := roundTrip(t, a), roundTrip(t, b)
	for _, tt := range []struct {
		name     string
		got      *Result
		want     int64
		wantLag  int64
		wantSvc  int64
		original *Result
	}{
		{"a decoded", da, 2, 1, 2, a},
		{"b decoded", db, 1, 0, 0, b},
	} {
		if tt.got.Overflow != tt.want || tt.got.ResponseHist.Overflow() != tt.want || tt.got.SendLagHist.Overflow() != tt.wantLag ||
			tt.got.ServiceHist.Overflow() != tt.wantSvc {
			t.Errorf("%s: overflow %d, response %d, service %d, send lag %d; want %d, %d, %d, %d", tt.name, tt.got.Overflow,
				tt.got.ResponseHist.Overflow(), tt.got.ServiceHist.Overflow(), tt.got.SendLagHist.Overflow(),
				tt.want, tt.want, tt.wantSvc, tt.wantLag)
		}
		if !tt.got.ResponseHist.Equal(tt.original.ResponseHist) || !tt.got.SendLagHist.Equal(tt.original.SendLagHist) {
			t.Errorf("%s: histograms changed in the round trip", tt.name)
		}
	}
	m, err := Merge(da, db)
	if err != nil {
		t.Fatal(err)
	}
	// a's two overflowed values stay overflow (they were clamped at one
	// minute); b's 5 h value fits its own 4 h range no better: 1 overflow.
	// a's in-range values are not clamped again at a's one minute.
	if m.Overflow != 3 || m.SendLagHist.Overflow() != 1 || m.ResponseHist.Highest() != b.ResponseHist.Highest() {
		t.Errorf("merged overflow %d, send lag %d, highest %v; want 3, 1, %v", m.Overflow, m.SendLagHist.Overflow(),
			m.ResponseHist.Highest(), b.ResponseHist.Highest())
	}
	if back := roundTrip(t, m); back.Overflow != 3 || back.SendLagHist.Overflow() != 1 {
		t.Errorf("merged result's JSON: overflow %d, send lag %d; want 3 and 1", back.Overflow, back.SendLagHist.Overflow())
	}
	var j map[string]map[string]any
	bj, _ := json.Marshal(m)
	_ = json.Unmarshal(bj, &j)
	if h := j["histograms"]; h["overflow"] != 3.0 || h["service_overflow"] != 2.0 || h["send_lag_overflow"] != 1.0 {
		t.Errorf("histograms overflow fields %v %v %v; want 3, 2, 1", h["overflow"], h["service_overflow"], h["send_lag_overflow"])
	}
}

// A run with no answered request writes no percentile: null, never 0, and
// the same error rate as ErrorRate. It decodes back to an empty summary.
func TestEmptyRunHasNoPercentilesInJSON(t *testing.T) {
	refused := resultWith(t, 0, nil, []time.Duration{time.Microsecond})
	refused.Requests, refused.StatusCodes = 10, map[int]int64{}
	refused.TransportErrors = map[string]int64{"connect": 10}
	refused.summarize()
	nothing := resultWith(t, 0, nil, nil)
	nothing.Requests, nothing.StatusCodes = 0, nil
	nothing.summarize()
	noHists := &Result{Requests: 5, TransportErrors: map[string]int64{"timeout": 5}}
	tests := []struct {
		name      string
		r         *Result
		wantEmpty []string // summaries whose percentiles must be null
	}{
		{"refused", refused, []string{"latencies_ms", "service_latencies_ms"}},
		{"nothing sent", nothing, []string{"latencies_ms", "service_latencies_ms", "send_lag_ms"}},
		{"no histograms", noHists, []string{"latencies_ms", "service_latencies_ms", "send_lag_ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, key := range tt.wantEmpty {
				if v, ok := m[key]; !ok || v != nil {
					t.Errorf("%s = %v (present %v), want null: there are no samples", key, v, ok)
				}
			}
			if got := m["error_rate"]; got != tt.r.ErrorRate() {
				t.Errorf("error_rate = %v, ErrorRate() = %v", got, tt.r.ErrorRate())
			}
			back := roundTrip(t, tt.r)
			if back.Latency != (latency.Summary{}) || back.Service != (latency.Summary{}) || back.ErrorRate() != tt.r.ErrorRate() {
				t.Errorf("decoded: latency %+v, service %+v, error rate %v", back.Latency, back.Service, back.ErrorRate())
			}
			if again, _ := json.Marshal(back); string(again) != string(b) {
				t.Errorf("second encoding differs:\n%s\n%s", b, again)
			}
		})
	}
}

// Summaries without histograms decode as written; a count without its
// percentiles is refused, and old files' zeros beside a count of 0 read as
// no samples.
func TestLatencySummaryJSON(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    latency.Summary
		wantErr string
	}{
		{name: "values", doc: `{"latencies_ms":{"count":2,"min":1,"average":1.5,"p50":1,"p75":2,"p90":2,"p99":2,"p999":2,"max":2}}`,
			want: latency.Summary{Count: 2, Min: time.Millisecond, Mean: 1500 * time.Microsecond, P50: time.Millisecond,
				P75: 2 * time.Millisecond, P90: 2 * time.Millisecond, P99: 2 * time.Millisecond, P999: 2 * time.Millisecond, Max: 2 * time.Millisecond}},
		{name: "old zeros", doc: `{"latencies_ms":{"count":0,"min":0,"average":0,"p50":0,"p75":0,"p90":0,"p99":0,"p999":0,"max":0}}`},
		{name: "nulls", doc: `{"latencies_ms":{"count":0,"min":null,"p99":null}}`},
		{name: "null", doc: `{"latencies_ms":null}`},
		{name: "count without p99", doc: `{"latencies_ms":{"count":2,"min":1,"average":1.5,"p50":1,"p75":2,"p90":2,"p999":2,"max":2}}`,
			wantErr: "p99"},
		{name: "negative count", doc: `{"latencies_ms":{"count":-1}}`, wantErr: "count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Result
			err := json.Unmarshal([]byte(tt.doc), &r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || r.Latency != tt.want {
				t.Errorf("got %+v, %v; want %+v", r.Latency, err, tt.want)
			}
		})
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
	r.Resources = map[string]Resources{ClientSidecar: {CPUMean: 105 * Millicore, CPUMax: 150 * Millicore,
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
	if back.Resources[ClientSidecar] != r.Resources[ClientSidecar] || back.Environment["isolation"] != "netns" {
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

// A run without answered requests reports no latency metric to benchstat:
// a missing sample, not a perfect 0 ns.
func TestReportMetricsOfAnEmptyRun(t *testing.T) {
	r := resultWith(t, 0, nil, nil)
	r.Requests, r.StatusCodes, r.TransportErrors = 10, map[int]int64{}, map[string]int64{"connect": 10}
	r.summarize()
	got := fakeReporter{}
	ReportTo(got, r)
	for _, unit := range []string{"p50-ns", "p90-ns", "p99-ns", "p999-ns", "max-ns", "svc-p99-ns", "lag-p99-ns"} {
		if v, ok := got[unit]; ok {
			t.Errorf("%s = %v reported for a run with no samples", unit, v)
		}
	}
	if got["err-%"] != 100 {
		t.Errorf("err-%% = %v, want 100", got["err-%"])
	}
}
