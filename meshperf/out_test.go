package meshperf_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

func readDoc(t *testing.T, path string) meshperf.Document {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc meshperf.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// Every run's result lands in the results file when it finishes, a failed
// run's too, so a failure at step 9 keeps steps 1 to 8.
func TestOutKeepsEveryStep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	url := rawServer(t, nil)
	if _, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.Out(path), meshperf.QPS(0),
		meshperf.Requests(50), meshperf.Warmup(0), meshperf.Label("step", "1")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	t.Setenv(meshperf.OutEnv, path) // the environment works as well as the option
	if _, err := meshperf.RunContext(t.Context(), meshperf.URL(refused), meshperf.QPS(0), meshperf.Requests(5),
		meshperf.Warmup(0), meshperf.Label("step", "2")); err == nil {
		t.Fatal("a refused run succeeded")
	}
	doc := readDoc(t, path)
	if len(doc.Steps) != 2 || doc.Steps[0].Labels["step"] != "1" || doc.Steps[1].TransportErrors["connect refused"] != 5 {
		t.Fatalf("document holds %d steps: %+v", len(doc.Steps), doc.Steps)
	}
	if doc.Steps[0].ResponseHist == nil || doc.Steps[0].Latency.Count != 50 || doc.SMPVersion != meshperf.SMPVersion {
		t.Errorf("step 1 lost its histograms or counts: %+v", doc.Steps[0])
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 2 { // the file and its lock
		t.Errorf("temporary files left beside the results: %v", entries)
	}
}

func TestAppendResultIsSafeInParallel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if err := meshperf.AppendResult(path, &meshperf.Result{Requests: 1}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if doc := readDoc(t, path); len(doc.Steps) != 16 {
		t.Errorf("%d of 16 parallel appends survived", len(doc.Steps))
	}
	if err := os.WriteFile(path, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := meshperf.AppendResult(path, &meshperf.Result{}); err == nil {
		t.Error("appending to a file that is not a meshperf document: want an error")
	}
	if _, err := meshperf.NewPlan(meshperf.Out("")); err == nil {
		t.Error(`Out(""): want an error`)
	}
}
