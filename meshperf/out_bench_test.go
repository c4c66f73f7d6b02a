package meshperf_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// benchSteps is the size of the results file the benchmarks start from.
const benchSteps = 10_000

// writeBenchDocument writes a document of n copies of res, as n
// AppendResult calls would leave it, and returns its path.
func writeBenchDocument(tb testing.TB, n int, res *meshperf.Result) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "results.json")
	if err := meshperf.AppendResult(path, res); err != nil { // the layout AppendResult writes
		tb.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	step, err := json.Marshal(res)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.Write(b[:len(b)-len("\n]}\n")])
	for range n - 1 {
		w.WriteString(",\n")
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

// BenchmarkAppendResult10000Steps appends one step (histograms of 2000
// samples) to a results file that holds 10,000 such steps. Its cost is the
// step's, not the file's:
//
//	go test -run '^$' -bench AppendResult10000Steps -benchmem ./meshperf/
func BenchmarkAppendResult10000Steps(b *testing.B) {
	res := sampleResult(b, "step", 2000)
	path := writeBenchDocument(b, benchSteps, res)
	fi, _ := os.Stat(path)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := meshperf.AppendResult(path, res); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
	dr := meshperf.NewDocumentReader(mustOpen(b, path))
	n := 0
	for dr.Scan() {
		n++
	}
	if dr.Err() != nil || n != benchSteps+b.N {
		b.Fatalf("the file holds %d steps (%v), want %d", n, dr.Err(), benchSteps+b.N)
	}
}

func mustOpen(tb testing.TB, path string) *os.File {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
