package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
)

// countingURL serves 200s and counts the requests.
func countingURL(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	return srv.URL + "/", &n
}

func isResult(b []byte) bool {
	var res meshperf.Result
	return json.Unmarshal(b, &res) == nil && res.Requests == 20
}

// `load -json` writes what the path holds: through a symlink (the link
// stays), into a FIFO's reader and a character device, keeping a file's
// mode; and refuses other files at once, before any request.
func TestLoadJSONRespectsThePath(t *testing.T) {
	url, sent := countingURL(t)
	tests := []struct {
		name  string
		root  bool
		setup func(tb testing.TB, dir string) (path string, check func(tb testing.TB))
	}{
		{name: "symlink", setup: func(tb testing.TB, dir string) (string, func(testing.TB)) {
			link := filepath.Join(dir, "link.json")
			if err := os.Symlink("real.json", link); err != nil {
				tb.Fatal(err)
			}
			return link, func(tb testing.TB) {
				if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
					tb.Errorf("the symlink was replaced by a %v", fi.Mode())
				}
				if b, _ := os.ReadFile(filepath.Join(dir, "real.json")); !isResult(b) {
					tb.Errorf("the file the link names holds %q", b)
				}
			}
		}},
		{name: "mode 0644 kept", setup: func(tb testing.TB, dir string) (string, func(testing.TB)) {
			path := filepath.Join(dir, "old.json")
			if err := os.WriteFile(path, []byte(`{"smp_version":"v0.0.1","id":"old"}`), 0o644); err != nil {
				tb.Fatal(err)
			}
			os.Chmod(path, 0o644)
			return path, func(tb testing.TB) {
				if fi, _ := os.Stat(path); fi.Mode() != 0o644 {
					tb.Errorf("mode %v, want 0644", fi.Mode())
				}
			}
		}},
		{name: "FIFO", setup: func(tb testing.TB, dir string) (string, func(testing.TB)) {
			fifo := filepath.Join(dir, "fifo")
			if err := unix.Mkfifo(fifo, 0o600); err != nil {
				tb.Fatal(err)
			}
			got := make(chan []byte, 1)
			go func() {
				b, _ := os.ReadFile(fifo)
				got <- b
			}()
			return fifo, func(tb testing.TB) {
				if b := <-got; !isResult(b) {
					tb.Errorf("the FIFO's reader got %q", b)
				}
				if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
					tb.Errorf("the FIFO was replaced by a %v", fi.Mode())
				}
			}
		}},
		{name: "character device", root: true, setup: func(tb testing.TB, dir string) (string, func(testing.TB)) {
			// A copy of /dev/null (1, 3): the real /dev is never at risk.
			dev := filepath.Join(dir, "null")
			if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
				tb.Fatal(err)
			}
			return dev, func(tb testing.TB) {
				if fi, err := os.Lstat(dev); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
					tb.Errorf("the device was replaced by a %v", fi.Mode())
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				testenv.NeedRoot(t)
			}
			path, check := tt.setup(t, t.TempDir())
			code, _, stderr := runCLI(t, "load", "-qps", "0", "-n", "20", "-warmup", "0", "-json", path, url)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			check(t)
		})
	}

	sent.Store(0)
	dir := t.TempDir()
	foreign := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(foreign, []byte(`{"mine":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing", "out.json"), dir, foreign} {
		code, _, stderr := runCLI(t, "load", "-qps", "0", "-n", "20", "-warmup", "0", "-json", path, url)
		if code != exitUsage || !strings.Contains(stderr, "-json "+path) {
			t.Errorf("-json %s: exit %d, stderr %q; want exit 2 naming it", path, code, stderr)
		}
	}
	if b, _ := os.ReadFile(foreign); string(b) != `{"mine":true}` {
		t.Errorf("%s now holds %q", foreign, b)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent by runs whose -json path was bad", n)
	}
}

// capacity and sweep check -json before the first step (and before the
// fixture).
func TestJSONPathCheckedBeforeTheRun(t *testing.T) {
	url, sent := countingURL(t)
	bad := filepath.Join(t.TempDir(), "missing", "out.json")
	for _, args := range [][]string{
		{"capacity", "-budget", "p99<50ms", "-start", "50", "-t", "200ms", "-warmup", "0s", "-json", bad, url},
		{"sweep", "-mode", "baseline", "-c", "1", "-t", "1s", "-warmup", "0s", "-json", bad},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "-json "+bad) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %s", args[0], code, stderr, bad)
		}
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// report -o never overwrites an input or any results document, nor a file
// that is not a meshperf report; it does replace its own earlier report.
func TestReportOutputPath(t *testing.T) {
	good := reportSweep(t, "good.json", "envoy")
	other := reportSweep(t, "other.json", "envoy")
	dir := filepath.Dir(good)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("good.json", link); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "notes.html")
	if err := os.WriteFile(notes, []byte("<html>my notes</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "output is the input", args: []string{"-o", good, good}, want: "is also an input"},
		{name: "output is the input through a link", args: []string{"-o", link, other, good}, want: "is also an input"},
		{name: "output holds a results document", args: []string{"-o", other, good}, want: "results document"},
		{name: "output is not a report", args: []string{"-o", notes, good}, want: "not a meshperf report"},
		{name: "missing directory", args: []string{"-o", filepath.Join(dir, "missing", "r.html"), good}, want: "no such file"},
	}
	before := map[string][]byte{}
	for _, p := range []string{good, other, notes} {
		before[p], _ = os.ReadFile(p)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := reportCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "-o "+tt.args[1]) {
				t.Errorf("exit %d, stderr %q; want exit 2 naming -o %s and saying %q", code, stderr, tt.args[1], tt.want)
			}
		})
	}
	for p, b := range before {
		if got, _ := os.ReadFile(p); string(got) != string(b) {
			t.Errorf("%s changed", p)
		}
	}
	page := filepath.Join(dir, "report.html")
	for range 2 { // the second run replaces the first's report
		if code, _, stderr := reportCLI(t, "-o", page, good); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
}

// A FIFO given to capacity -json gets the document once, whole, when the
// command ends, not a copy after every search.
func TestCapacityJSONIntoFIFO(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	code, _, stderr := runCLI(t, "capacity", "-budget", "p99<50ms,err<1%", "-start", "50", "-t", "200ms", "-warmup", "50ms",
		"-repeats", "1", "-json", fifo, srv.URL+"/")
	if code != exitFail {
		t.Errorf("exit %d: %s", code, stderr)
	}
	var doc capacity.Document
	if b := <-got; json.Unmarshal(b, &doc) != nil || len(doc.Capacity) != 1 {
		t.Errorf("the FIFO's reader got %q", b)
	}
}

// A bad $MESHPERF_OUT is a usage error before the run, naming it.
func TestLoadChecksMeshperfOut(t *testing.T) {
	url, sent := countingURL(t)
	bad := filepath.Join(t.TempDir(), "missing", "results.json")
	t.Setenv(meshperf.OutEnv, bad)
	code, _, stderr := runCLI(t, "load", "-qps", "0", "-n", "20", "-warmup", "0", url)
	if code != exitUsage || !strings.Contains(stderr, "$MESHPERF_OUT "+bad) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming $MESHPERF_OUT %s", code, stderr, bad)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
