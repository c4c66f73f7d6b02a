package meshperf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// sampleResult is a Result with histograms of n samples, as a run makes.
func sampleResult(tb testing.TB, id string, n int) *meshperf.Result {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	res := &meshperf.Result{ID: id, URL: "http://127.0.0.1:1/", Concurrency: 4, Requests: int64(n),
		StatusCodes: map[int]int64{200: int64(n)}, Start: time.Unix(1700000000, 0), End: time.Unix(1700000010, 0),
		Labels: map[string]string{"mode": "baseline"}}
	for _, h := range []**latency.Histogram{&res.ResponseHist, &res.ServiceHist} {
		var err error
		if *h, err = latency.New(time.Minute); err != nil {
			tb.Fatal(err)
		}
		for range n {
			(*h).Record(time.Duration(200_000 + rng.ExpFloat64()*300_000))
		}
	}
	b, err := json.Marshal(res) // summaries come from the histograms
	if err != nil {
		tb.Fatal(err)
	}
	back := new(meshperf.Result)
	if err := json.Unmarshal(b, back); err != nil {
		tb.Fatal(err)
	}
	return back
}

func marshalIndent(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return append(b, '\n')
}

// readMembers reads the file as one JSON object, failing when it is not
// valid JSON.
func readMembers(tb testing.TB, path string) map[string]json.RawMessage {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("%s is not one JSON document: %v\n%s", path, err, b)
	}
	return m
}

func stepIDs(tb testing.TB, path string) []string {
	tb.Helper()
	var doc struct {
		Steps []struct {
			ID string `json:"id"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(readMembers(tb, path)["steps"], &doc.Steps); err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, s := range doc.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

// AppendResult keeps what the file held: a single Result becomes the first
// step; a sweep or capacity document keeps its config, environment and
// members meshperf does not know.
func TestAppendKeepsTheDocument(t *testing.T) {
	old := &meshperf.Result{ID: "old", Concurrency: 1}
	tests := []struct {
		name    string
		content []byte
		wantIDs []string
		members map[string]string // member: its JSON, compacted
	}{
		{name: "single result", content: marshalIndent(t, old), wantIDs: []string{"old", "new"},
			members: map[string]string{"tool": `"meshperf"`}},
		{name: "sweep document", content: marshalIndent(t, map[string]any{"smp_version": meshperf.SMPVersion, "tool": "meshperf sweep",
			"config": map[string]string{"sidecar": "envoy"}, "environment": map[string]string{"fixture": "local"},
			"steps": []*meshperf.Result{old}, "x-annotation": []int{1, 2}}), wantIDs: []string{"old", "new"},
			members: map[string]string{"tool": `"meshperf sweep"`, "config": `{"sidecar":"envoy"}`,
				"environment": `{"fixture":"local"}`, "x-annotation": "[1,2]"}},
		{name: "members after the steps", content: []byte(`{"smp_version":"v0.0.1","tool":"meshperf capacity","steps":[` +
			string(mustJSON(t, old)) + `],"capacity":[{"qps":5}]}`), wantIDs: []string{"old", "new"},
			members: map[string]string{"capacity": `[{"qps":5}]`}},
		{name: "empty file", content: nil, wantIDs: []string{"new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(path, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := meshperf.AppendResult(path, &meshperf.Result{ID: "new", Concurrency: 2}); err != nil {
				t.Fatal(err)
			}
			if err := meshperf.AppendResult(path, &meshperf.Result{ID: "newer", Concurrency: 2}); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(stepIDs(t, path), ","), strings.Join(append(tt.wantIDs, "newer"), ","); got != want {
				t.Errorf("steps %s, want %s", got, want)
			}
			m := readMembers(t, path)
			for k, want := range tt.members {
				var b bytes.Buffer
				json.Compact(&b, m[k])
				if b.String() != want {
					t.Errorf("member %s = %s, want %s", k, b.String(), want)
				}
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644 kept", fi.Mode())
			}
			dr := meshperf.NewDocumentReader(bytes.NewReader(mustRead(t, path)))
			n := 0
			for dr.Scan() {
				n++
			}
			if dr.Err() != nil || n != len(tt.wantIDs)+1 {
				t.Errorf("DocumentReader read %d steps: %v", n, dr.Err())
			}
		})
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// A file meshperf did not write is refused, named, described and kept.
func TestAppendRefusesForeignFiles(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{name: "empty object", content: "{}", want: "empty JSON object"},
		{name: "null", content: "null\n", want: "JSON null"},
		{name: "another tool's JSON", content: `{"name":"k6","metrics":{}}`, want: `members name, metrics`},
		{name: "another SMP tool", content: `{"smp_version":"v0.0.1","tool":"nighthawk","steps":[]}`, want: `written by "nighthawk"`},
		{name: "an array", content: `[1,2]`, want: "JSON array"},
		{name: "text", content: "my notes\n", want: "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			err := meshperf.AppendResult(path, &meshperf.Result{ID: "new"})
			var ie *meshperf.InvalidError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AppendResult = %v: want an InvalidError naming %s and saying %q", err, path, tt.want)
			}
			if got := string(mustRead(t, path)); got != tt.content {
				t.Errorf("file now holds %q", got)
			}
			if err := meshperf.CheckOut(path); err == nil {
				t.Error("CheckOut accepted it")
			}
		})
	}
}

// Appending costs the new step: it writes in place (same inode) and never
// decodes the steps already there, even one whose histogram is corrupt.
func TestAppendDoesNotRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if err := meshperf.AppendResult(path, &meshperf.Result{ID: "1", Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	// A step that decodes only as far as its histogram.
	b := mustRead(t, path)
	bad := `{"smp_version":"v0.0.1","id":"bad","latencies_ms":{},"concurrency":1,"histograms":{"response":"!!"}}`
	b = bytes.Replace(b, []byte("\n]}"), []byte(",\n"+bad+"\n]}"), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := meshperf.AppendResult(path, &meshperf.Result{ID: "3", Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("the file was replaced, not appended to")
	}
	if got := mustRead(t, path); !bytes.HasPrefix(got, b[:len(b)-len("\n]}\n")]) {
		t.Error("bytes before the new step changed")
	}
	if got := strings.Join(stepIDs(t, path), ","); got != "1,bad,3" {
		t.Errorf("steps %s", got)
	}
}

// An append that a crash cut short is rolled back by the next one (or kept
// when it was written whole), so earlier steps always survive.
func TestAppendRecoversAnInterruptedAppend(t *testing.T) {
	tests := []struct {
		name    string
		cut     func(tail []byte) []byte // what of the interrupted append reached the file
		wantIDs string
	}{
		{name: "torn step", cut: func(tail []byte) []byte { return tail[:len(tail)/2] }, wantIDs: "1,2,4"},
		{name: "nothing written", cut: func([]byte) []byte { return nil }, wantIDs: "1,2,4"},
		{name: "written whole", cut: func(tail []byte) []byte { return tail }, wantIDs: "1,2,3,4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "results.json")
			for _, id := range []string{"1", "2", "3"} {
				if err := meshperf.AppendResult(path, &meshperf.Result{ID: id, Concurrency: 1}); err != nil {
					t.Fatal(err)
				}
			}
			full := mustRead(t, path)
			// Rebuild the state a crash during the append of step 3 left:
			// the journal in the lock file and part of the new tail.
			two := stepIDsDoc(t, full)
			off := int64(bytes.LastIndex(two, []byte("}\n]}")) + 1)
			oldTail := two[off:]
			newTail := full[off:]
			journal := meshperf.AppendJournal(off, int64(len(two)), int64(len(full)), newTail, oldTail)
			if err := os.WriteFile(path+".lock", journal, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(append([]byte(nil), full[:off]...), tt.cut(newTail)...), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := meshperf.AppendResult(path, &meshperf.Result{ID: "4", Concurrency: 1}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(stepIDs(t, path), ","); got != tt.wantIDs {
				t.Errorf("steps %s, want %s", got, tt.wantIDs)
			}
			if b := mustRead(t, path+".lock"); len(b) != 0 {
				t.Errorf("journal left in the lock file: %q", b)
			}
		})
	}
}

// stepIDsDoc returns the document without its last step.
func stepIDsDoc(tb testing.TB, full []byte) []byte {
	tb.Helper()
	i := bytes.LastIndex(full, []byte(",\n{"))
	if i < 0 {
		tb.Fatalf("no second step in %s", full)
	}
	return append(append([]byte(nil), full[:i]...), "\n]}\n"...)
}

// The results file is followed through a symlink, keeps its mode, and a
// path that cannot take it fails before the run sends a request.
func TestOutPathIsCheckedBeforeTheRun(t *testing.T) {
	var arrivals atomic.Int64
	url := rawServer(t, func(time.Time) { arrivals.Add(1) })
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	notOurs := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(notOurs, []byte(`{"mine":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing", "results.json"), dir, fifo, notOurs} {
		_, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.Out(path), meshperf.QPS(0),
			meshperf.Requests(5), meshperf.Warmup(0))
		var ie *meshperf.InvalidError
		if !errors.As(err, &ie) || ie.Field != "out" || !strings.Contains(err.Error(), path) {
			t.Errorf("Out(%s): %v, want an InvalidError for out naming it", path, err)
		}
	}
	if n := arrivals.Load(); n != 0 {
		t.Errorf("%d requests were sent to runs whose results file was bad", n)
	}

	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(real, 0o640)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	t.Setenv(meshperf.OutEnv, link)
	for range 2 {
		if _, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.QPS(0), meshperf.Requests(5), meshperf.Warmup(0)); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced")
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode())
	}
	if ids := stepIDs(t, real); len(ids) != 2 {
		t.Errorf("%d steps in the file the link names", len(ids))
	}
}

// Whatever a results file holds, AppendResult either appends (and the file
// reads back as a document whose last step is the new one) or refuses and
// leaves the file as it was.
func FuzzAppendResult(f *testing.F) {
	one := string(mustJSON(f, &meshperf.Result{ID: "old", Concurrency: 1}))
	for _, s := range []string{"", "{}", "null", one, `{"smp_version":"v0.0.1","tool":"meshperf","steps":[` + "\n" + one + "\n]}\n",
		`{"smp_version":"v0.0.1","tool":"meshperf","steps":[` + "\n]}\n", `{"smp_version":"v0.0.1","tool":"meshperf sweep","steps":[],"x":1}`,
		`{"smp_version":"v0.0.1","tool":"meshperf","steps":[` + "\n" + one + ",\n" + `{"smp_version":"v0.0.1","id":"half`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "results.json")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		err := meshperf.AppendResult(path, &meshperf.Result{ID: "new", Concurrency: 1})
		got := mustRead(t, path)
		if len(bytes.TrimSpace(content)) > 0 && !json.Valid(content) {
			return // a broken file: kept, or its tail appended to; nothing it held is lost
		}
		if err != nil {
			if !bytes.Equal(got, content) {
				t.Fatalf("refused (%v) but changed the file:\n%q\nto\n%q", err, content, got)
			}
			return
		}
		dr := meshperf.NewDocumentReader(bytes.NewReader(got))
		var last *meshperf.Result
		for dr.Scan() {
			last = dr.Result()
		}
		if dr.Err() != nil || last == nil || last.ID != "new" {
			t.Fatalf("appended to %q, and the file reads %v (last %+v):\n%s", content, dr.Err(), last, got)
		}
		if !json.Valid(got) {
			t.Fatalf("not valid JSON:\n%s", got)
		}
	})
}

// DocumentReader never panics, and reads to the end without an error only
// a valid JSON document.
func FuzzDocumentReader(f *testing.F) {
	one := string(mustJSON(f, &meshperf.Result{ID: "old", Concurrency: 1}))
	for _, s := range []string{"", "{}", "null", "[]", one, `{"tool":"meshperf","steps":[` + one + `],"capacity":[]}`,
		`{"steps":[` + one + `,` + one + `]}`, `{"steps":[]}`, `{"steps":null}`, `{"a":1}{"b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dr := meshperf.NewDocumentReader(bytes.NewReader(b))
		n := 0
		for dr.Scan() {
			if dr.Result() == nil {
				t.Fatal("Scan returned true without a Result")
			}
			n++
		}
		if dr.Err() == nil && (n == 0 || !json.Valid(b)) {
			t.Fatalf("read %d results without an error from %q", n, b)
		}
	})
}
