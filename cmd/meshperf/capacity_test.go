package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf/capacity"
)

func TestCapacityBadUsage(t *testing.T) {
	const url = "http://127.0.0.1:9/" // never loaded: every case fails before any load
	const b = "p99<5ms"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no budget", []string{url}, "-budget is required"},
		{"bad budget", []string{"-budget", "p99<5", url}, "-budget assertions: budget clause 1"},
		{"unknown metric", []string{"-budget", "p98<5ms", url}, `unknown metric "p98"`},
		{"overhead clause", []string{"-budget", "overhead_p99<1ms", url}, "overhead_* clauses"},
		{"tolerance without %", []string{"-budget", b, "-tolerance", "0.01", url}, `-tolerance "0.01": write a percentage`},
		{"tolerance too wide", []string{"-budget", b, "-tolerance", "80%", url}, `-tolerance "80%": use 0.1% to 50%`},
		{"zero start", []string{"-budget", b, "-start", "0", url}, "-start 0: use a rate in (0, 1e+07]"},
		{"start above max", []string{"-budget", b, "-start", "500", "-max", "400", url}, "-start 500: the start rate must not exceed the max rate 400"},
		{"negative repeats", []string{"-budget", b, "-repeats", "-1", url}, "-repeats -1: use 0 to 10"},
		{"zero step", []string{"-budget", b, "-t", "0s", url}, "-t 0s: use a duration in"},
		{"zero concurrency", []string{"-budget", b, "-c", "0", url}, "-c 0: use 1 to 10000"},
		{"h2 and grpc", []string{"-budget", b, "-h2", "-grpc", url}, "-h2 and -grpc exclude each other"},
		{"negative gate", []string{"-budget", b, "-min-qps", "-1", url}, "-min-qps -1"},
		{"no target", []string{"-budget", b}, "want exactly one URL argument after the flags, or -fixture local"},
		{"url and fixture", []string{"-budget", b, "-fixture", "local", url}, "-fixture local takes no URL"},
		{"unknown fixture", []string{"-budget", b, "-fixture", "vm"}, `-fixture "vm": use local, docker or kube`},
		{"mesh with local", []string{"-budget", b, "-fixture", "local", "-mesh", "istio"}, "-mesh is for -fixture kube only, not local"},
		{"image with a url", []string{"-budget", b, "-image", "r/m:1", url}, "-image shapes the fixture"},
		{"bad header", []string{"-budget", b, "-H", "x", url}, `-H "x": want 'Name: value'`},
		{"grpc with a body", []string{"-budget", b, "-grpc", "-payload-size", "10", url}, "-h2/-grpc"},
		{"mode with a url", []string{"-budget", b, "-mode", "both", url}, "-mode \"both\": modes are the fixture's"},
		{"sidecar with a url", []string{"-budget", b, "-sidecar", "haproxy", url}, "-sidecar shapes the fixture"},
		{"bad mode", []string{"-budget", b, "-fixture", "local", "-mode", "meshed"}, "-mode"},
		{"bad sidecar", []string{"-budget", b, "-fixture", "local", "-sidecar", "linkerd"}, `-sidecar "linkerd"`},
		{"https", []string{"-budget", b, "https://127.0.0.1/"}, `url "https://127.0.0.1/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"capacity"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") > 2 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

// TestCapacityNoCapacityExit: a target that fails every request has no
// capacity: exit 1, the verdict printed, and the JSON still written.
func TestCapacityNoCapacityExit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "cap.json")
	code, stdout, stderr := runCLI(t, "capacity", "-budget", "p99<50ms,err<1%", "-start", "50", "-t", "200ms", "-warmup", "50ms",
		"-repeats", "1", "-json", out, srv.URL+"/")
	if code != exitFail || !strings.Contains(stderr, "no capacity: the start rate 50 req/s failed in 2 of 2 tries") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "FAIL err 100% exceeds ceiling 1%") || !strings.Contains(stdout, "no capacity") {
		t.Errorf("stdout lacks the failing steps and the verdict:\n%s", stdout)
	}
	doc := readDoc(t, out)
	if len(doc.Capacity) != 1 || doc.Capacity[0].Stop != capacity.StopNoCapacity || len(doc.Steps) != 2 {
		t.Errorf("document: %d searches, %d steps", len(doc.Capacity), len(doc.Steps))
	}
}

// readDoc reads the results document at path.
func readDoc(t *testing.T, path string) capacity.Document {
	t.Helper()
	var doc capacity.Document
	readJSON(t, path, &doc)
	return doc
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestCapacityLocalFixture searches baseline and both on a real local
// fixture (on loopback, so it runs without root), with short steps and a
// max rate that the built-in sidecar pair sustains: the table, the
// verdicts, the JSON document and the HTML report must all carry both
// searches.
func TestCapacityLocalFixture(t *testing.T) {
	testenv.Long(t, "brings up the local fixture")
	dir := t.TempDir()
	podMeshperf(t)
	results := filepath.Join(dir, "capacity.json")
	code, stdout, stderr := runCLI(t, "capacity", "-fixture", "local", "-loopback", "-mode", "baseline,both",
		"-budget", "p99<100ms,err<1%", "-start", "100", "-max", "400", "-t", "300ms", "-warmup", "100ms", "-repeats", "1",
		"-json", results)
	t.Logf("stdout:\n%s", stdout)
	if code != exitOK {
		t.Fatalf("capacity: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"target", "ramp", "baseline: capacity at least 400 req/s", "both: capacity at least 400 req/s",
		"both against baseline: 400 req/s against 400 (+0.0%); baseline reached the max rate (a floor); both reached the max rate (a floor)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	doc := readDoc(t, results)
	if len(doc.Capacity) != 2 || len(doc.Steps) != 2*4 {
		t.Fatalf("document: %d searches and %d steps, want 2 and 8", len(doc.Capacity), len(doc.Steps))
	}
	both := doc.Capacity[1]
	if both.Labels["mode"] != "both" || both.QPS != 400 || both.Stop != capacity.StopMaxRate || both.Link(doc.Steps) != 0 {
		t.Errorf("both: %+v", both)
	}
	if r := both.Steps[0].Result; r.Labels["sidecar"] != "builtin" || r.Labels["mode"] != "both" {
		t.Errorf("both's first step is labelled %v", r.Labels)
	}

	page := filepath.Join(dir, "report.html")
	if code, _, stderr := runCLI(t, "report", "-o", page, results); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), `<section class="capacity" data-max-qps="400">`); n != 2 {
		t.Errorf("the report has %d capacity sections at 400 req/s, want 2", n)
	}
	if n := strings.Count(string(html), `<circle class="cpt pass"`); n != len(doc.Steps) {
		t.Errorf("the report draws %d passing steps, want %d", n, len(doc.Steps))
	}
	if strings.Contains(string(html), "Latency against concurrency") {
		t.Error("a capacity document was drawn against concurrency too")
	}
}
