package meshperf

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorExamplesReachTheResultAndItsJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res, err := RunContext(t.Context(), URL("http://"+addr+"/"), QPS(200), Requests(20), Warmup(0))
	if !errors.Is(err, ErrNoSamples) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v; want ErrNoSamples quoting the first refusal", err)
	}
	if res == nil {
		t.Fatal("no result")
	}
	ex := res.ErrorExamples["connect refused"]
	if !strings.HasPrefix(ex, "connect refused: ") || !strings.Contains(ex, addr) || !strings.Contains(ex, "connection refused") {
		t.Errorf("ErrorExamples = %q; want the first refusal's message", res.ErrorExamples)
	}
	if len(res.ErrorExamples) != len(res.TransportErrors) {
		t.Errorf("examples for %d kinds, counts for %d", len(res.ErrorExamples), len(res.TransportErrors))
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Examples map[string]string `json:"error_examples"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Examples["connect refused"] != ex {
		t.Errorf("JSON error_examples = %q (%v); want %q", m.Examples, err, ex)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.ErrorExamples["connect refused"] != ex {
		t.Errorf("decoded ErrorExamples = %q (%v); want %q", back.ErrorExamples, err, ex)
	}
}

func TestMergeKeepsTheFirstErrorExamples(t *testing.T) {
	a := synthetic(t, 100, time.Millisecond, 0)
	a.ErrorExamples = map[string]string{"connect": "connect: a's first", "timeout": "timeout: a's first"}
	b := synthetic(t, 100, time.Millisecond, 0)
	b.TransportErrors["reset"] = 1
	b.ErrorExamples = map[string]string{"connect": "connect: b's first", "timeout": "timeout: b's first", "reset": "reset: b's"}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"connect": "connect: a's first", "timeout": "timeout: a's first", "reset": "reset: b's"}
	if len(m.ErrorExamples) != len(want) {
		t.Errorf("merged examples %q; want %q", m.ErrorExamples, want)
	}
	for k, v := range want {
		if m.ErrorExamples[k] != v {
			t.Errorf("merged example of %q = %q; want %q", k, m.ErrorExamples[k], v)
		}
	}
}

func TestStatusCodesAbove599AreKept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(999) }))
	t.Cleanup(srv.Close)
	res, err := RunContext(t.Context(), URL(srv.URL+"/"), QPS(500), Requests(10), Warmup(0), MaxErrorRate(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCodes[999] != 10 || len(res.StatusCodes) != 1 {
		t.Errorf("status codes %v; want 999: 10", res.StatusCodes)
	}
}

func TestTooManyErrorsNamesMaxErrorRate(t *testing.T) {
	r := synthetic(t, 100, time.Millisecond, 0) // 4 of 103 failed
	r.ErrorExamples = map[string]string{"connect": "connect: dial tcp 127.0.0.1:1: no route in this namespace"}
	err := r.check(0.01)
	if !errors.Is(err, ErrTooManyErrors) {
		t.Fatalf("error = %v; want ErrTooManyErrors", err)
	}
	var re *ErrorRateError
	if !errors.As(err, &re) || re.Failures != 4 || re.Requests != 103 || re.Max != 0.01 {
		t.Fatalf("error %v: want an *ErrorRateError with 4 of 103 failed over 0.01, got %+v", err, re)
	}
	for _, want := range []string{"4 of 103", "MaxErrorRate 0.01", "meshperf.MaxErrorRate(0.04)", "status 503: 1",
		"connect: 2 (first: dial tcp 127.0.0.1:1: no route in this namespace)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
