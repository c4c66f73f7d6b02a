package compare

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func result(mode string, conc int, p50 time.Duration, cpuMilli float64) *meshperf.Result {
	return &meshperf.Result{
		Labels: map[string]string{"mode": mode, "sidecar": "envoy"}, Concurrency: conc, RequestedQPS: 1000,
		ActualQPS: 990, Requests: 1000, StatusCodes: map[int]int64{200: 999, 503: 1},
		Latency: latency.Summary{Count: 999, P50: p50, P90: p50 * 3 / 2, P99: 2 * p50, P999: 3 * p50, Max: 4 * p50},
		Resources: map[string]meshperf.Resources{
			"client-sidecar": {CPUMean: meshperf.CPU(cpuMilli) * meshperf.Millicore, WorkingSetMax: 40 * meshperf.MiB},
			"server-sidecar": {CPUMean: meshperf.CPU(cpuMilli) * meshperf.Millicore, WorkingSetMax: 42 * meshperf.MiB},
		},
	}
}

func TestWriteTableGolden(t *testing.T) {
	const ms = time.Millisecond
	var old, nw []*meshperf.Result
	for i := range 5 {
		d := time.Duration(i) * 10 * time.Microsecond
		old = append(old, result("both", 8, ms+d, 100), result("baseline", 8, ms/2+d, 0))
		nw = append(nw, result("both", 8, (ms+d)*13/10, 120), result("baseline", 8, ms/2+d, 0))
	}
	old = append(old, result("both", 16, ms, 200))
	nw = append(nw, result("both", 32, ms, 200))
	var b bytes.Buffer
	if err := Compare(old, nw).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("table differs from %s (go test -update rewrites it):\n%s", golden, b.String())
	}
}

func TestThresholdCrossed(t *testing.T) {
	tests := []struct {
		clause   string
		old, new float64
		want     bool
	}{
		{"p99>+10%", 1000, 1100, false},
		{"p99>+10%", 1000, 1101, true},
		{"p50>+200us", 1e6, 1.2e6, false},
		{"p50>+200us", 1e6, 1.2e6 + 1, true},
		{"qps<-5%", 1000, 900, true},
		{"qps<-5%", 1000, 2000, false},
		{"err>+0.5%", 0.001, 0.007, true},
		{"err>+0.5pp", 0.001, 0.005, false},
		{"total_sidecar_cpu>+50m", 100, 151, true},
		{"total_sidecar_mem>+1Mi", 1 << 20, 2<<20 + 1, true},
	}
	for _, tt := range tests {
		ts, err := ParseThresholds(tt.clause)
		if err != nil {
			t.Fatalf("%s: %v", tt.clause, err)
		}
		if got := ts[0].Crossed(tt.old, tt.new); got != tt.want {
			t.Errorf("%s.Crossed(%v, %v) = %v, want %v", tt.clause, tt.old, tt.new, got, tt.want)
		}
	}
}

func FuzzParseThresholds(f *testing.F) {
	for _, s := range []string{"p99>+10%,total_sidecar_cpu>+20%,p50>+200us,err>+0.5%", "qps<-5%", "client_sidecar_mem>+16Mi",
		"server_sidecar_cpu>+0.1", "max>1.5ms", "p99<-1", "err>+0.5pp", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseThresholds(s)
		if err != nil {
			if _, ok := err.(*ThresholdError); !ok {
				t.Fatalf("error %v is not a *ThresholdError", err)
			}
			return
		}
		for _, th := range ts {
			back, err := ParseThresholds(th.String())
			if err != nil || len(back) != 1 {
				t.Fatalf("%q → %q does not parse back: %v", s, th.String(), err)
			}
			b := back[0]
			if b.Metric != th.Metric || b.Relative != th.Relative || th.Limit < 0 || !close(b.Limit, th.Limit) {
				t.Fatalf("%q → %q → %+v, want %+v", s, th.String(), b, th)
			}
		}
	})
}

func close(a, b float64) bool {
	d := a - b
	return d == 0 || (d < 0 && -d <= 1e-9*max(a, b)) || (d > 0 && d <= 1e-9*max(a, b))
}

// TestCheckSidecarMetricsByMode: a sidecar clause applies to the sidecars
// the step's mode runs. A mode that runs none of them, without readings
// on either side, is not gated; a mode that runs one needs its readings on
// both sides; a step without a fixture mode needs every sidecar it reads.
func TestCheckSidecarMetricsByMode(t *testing.T) {
	const ms = time.Millisecond
	strip := func(r *meshperf.Result, keep ...string) *meshperf.Result {
		res := map[string]meshperf.Resources{}
		for _, k := range keep {
			res[k] = r.Resources[k]
		}
		r.Resources = res
		return r
	}
	tests := []struct {
		name     string
		clause   string
		old, new *meshperf.Result
		want     string // in the error; "" passes
	}{
		{name: "baseline without sidecars", clause: "total_sidecar_cpu>+20%",
			old: strip(result("baseline", 8, ms, 0)), new: strip(result("baseline", 8, ms, 0))},
		{name: "client-only gates the client sidecar", clause: "total_sidecar_mem>+20%",
			old: strip(result("client-only", 8, ms, 100), "client-sidecar"), new: strip(result("client-only", 8, ms, 100), "client-sidecar")},
		{name: "client-only without server readings is not gated on them", clause: "server_sidecar_cpu>+20%",
			old: strip(result("client-only", 8, ms, 100), "client-sidecar"), new: strip(result("client-only", 8, ms, 100), "client-sidecar")},
		{name: "client-only without client readings", clause: "total_sidecar_cpu>+20%",
			old: strip(result("client-only", 8, ms, 100), "client-sidecar"), new: strip(result("client-only", 8, ms, 100)),
			want: "total_sidecar_cpu: new run has no client-sidecar readings"},
		{name: "both needs both", clause: "total_sidecar_cpu>+20%",
			old: strip(result("both", 8, ms, 100), "client-sidecar"), new: result("both", 8, ms, 100),
			want: "total_sidecar_cpu: old run has no server-sidecar readings"},
		{name: "no mode needs every sidecar", clause: "client_sidecar_cpu>+20%",
			old: strip(result("", 8, ms, 100)), new: strip(result("", 8, ms, 100)),
			want: "client_sidecar_cpu: old run has no client-sidecar readings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ParseThresholds(tt.clause)
			if err != nil {
				t.Fatal(err)
			}
			err = Compare([]*meshperf.Result{tt.old}, []*meshperf.Result{tt.new}).Check(ts, Options{})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v, want a pass", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}
