package compare

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// benchDocument writes a results document of n steps, each with a response
// and a service histogram of 2000 samples, as meshperf.AppendResult does.
func benchDocument(tb testing.TB, n int) string {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	res := &meshperf.Result{ID: "step", URL: "http://127.0.0.1:1/", Concurrency: 4, Requests: 2000,
		StatusCodes: map[int]int64{200: 2000}, Labels: map[string]string{"mode": "baseline"}}
	for _, h := range []**latency.Histogram{&res.ResponseHist, &res.ServiceHist} {
		var err error
		if *h, err = latency.New(time.Minute); err != nil {
			tb.Fatal(err)
		}
		for range 2000 {
			(*h).Record(time.Duration(200_000 + rng.ExpFloat64()*300_000))
		}
	}
	step, err := json.Marshal(res)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "results.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"smp_version":"v0.0.1","tool":"meshperf","steps":[` + "\n")
	for i := range n {
		if i > 0 {
			w.WriteString(",\n")
		}
		w.Write(step)
	}
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkReadFile10000Steps reads a 10,000-step results file as compare
// and report do. live-MiB is the heap that the Results hold once read (the
// summaries: each step's histograms are dropped once summarised):
//
//	go test -run '^$' -bench ReadFile10000Steps -benchmem -benchtime 3x ./cmd/meshperf/internal/compare/
func BenchmarkReadFile10000Steps(b *testing.B) {
	const n = 10_000
	path := benchDocument(b, n)
	fi, _ := os.Stat(path)
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f, err := ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if len(f.Results) != n || f.Results[0].Latency.Count != 2000 {
			b.Fatalf("read %d results", len(f.Results))
		}
		live = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(f)
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
}
