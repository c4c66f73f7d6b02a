package capacity_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
)

// oldDocument was written by `meshperf capacity -json` before the search
// left the root meshperf package (commit ea1b1a7), against `meshperf echo
// -delay 4ms -spin` with one connection:
//
//	meshperf capacity -budget 'p99<20ms,err<1%' -start 50 -max 400 -repeats 1 \
//		-tolerance 20% -t 250ms -warmup 50ms -c 1 -json FILE http://127.0.0.1:18777/
//
// It holds a converged search that its repeat did not reproduce, steps
// that failed for the budget and for unsent requests, and the config
// member the command adds.
const oldDocument = "testdata/capacity-search-2026-12.json"

// TestOldDocumentReads: a document from before the move decodes into a
// Document, its search links to its steps, and writing the search again
// gives the same "capacity" member: the format did not change.
func TestOldDocumentReads(t *testing.T) {
	b := readOld(t)
	var doc capacity.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Capacity) != 1 || len(doc.Steps) != 7 || doc.Tool != "meshperf capacity" {
		t.Fatalf("decoded %d searches, %d steps, tool %q; want 1, 7, meshperf capacity", len(doc.Capacity), len(doc.Steps), doc.Tool)
	}
	c := doc.Capacity[0]
	if missing := c.Link(doc.Steps); missing != 0 {
		t.Errorf("%d steps did not link to their results", missing)
	}
	if c.Stop != capacity.StopConverged || !c.Converged || c.Reproducible || c.QPS != 50 || c.Pass != 50 || c.Fail != 60 ||
		!reflect.DeepEqual(c.Tries, []float64{50, 86.4}) || c.Criterion != "p99<20ms,err<1%" {
		t.Errorf("search %+v", c)
	}
	phases := ""
	for _, st := range c.Steps {
		phases += string(st.Phase) + " "
		if st.Pass != (st.Err == nil) || st.Result == nil || st.Result.RequestedQPS != st.QPS {
			t.Errorf("step %+v: pass, error and result disagree", st)
		}
	}
	if want := "ramp ramp estimate repeat repeat repeat repeat "; phases != want {
		t.Errorf("phases %q, want %q", phases, want)
	}

	var old struct {
		Capacity []json.RawMessage `json:"capacity"`
	}
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, old.Capacity[0], again) {
		t.Errorf("the search writes differently now:\nold %s\nnew %s", old.Capacity[0], again)
	}
}

// TestOldDocumentReadsWithoutCapacity: readers that know nothing of the
// search, meshperf.Document and meshperf.DocumentReader, read the same
// file's steps, and the reader keeps the "capacity" member.
func TestOldDocumentReadsWithoutCapacity(t *testing.T) {
	b := readOld(t)
	var doc meshperf.Document
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Steps) != 7 {
		t.Fatalf("meshperf.Document: %d steps, %v", len(doc.Steps), err)
	}
	dr := meshperf.NewDocumentReader(bytes.NewReader(b))
	n := 0
	for dr.Scan() {
		n++
	}
	if err := dr.Err(); err != nil || n != 7 {
		t.Fatalf("DocumentReader: %d steps, %v", n, err)
	}
	var searches []*capacity.Result
	if err := json.Unmarshal(dr.Members()["capacity"], &searches); err != nil || len(searches) != 1 {
		t.Errorf("capacity member: %d searches, %v", len(searches), err)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func readOld(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(oldDocument)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
