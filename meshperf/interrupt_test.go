package meshperf

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// silentServer accepts connections and never answers. It returns its URL.
func silentServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// newEchoListener serves 200 to every request on loopback.
func newEchoListener(tb testing.TB) string {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/"
}

// An interrupted run is marked, ends when it was interrupted, and counts
// what was in flight and what fell due unsent, so that it never passes
// for a complete one.
func TestRunContextInterrupted(t *testing.T) {
	url := silentServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	const qps, workers = 50, 2
	start := time.Now()
	time.AfterFunc(500*time.Millisecond, cancel)
	res, err := RunContext(ctx, URL(url), QPS(qps), Concurrency(workers), Duration(4*time.Second), Warmup(0), Timeout(time.Hour))
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res == nil {
		t.Fatal("the partial result was lost")
	}
	if !res.Interrupted {
		t.Error("Interrupted = false")
	}
	if res.End.After(returned) || res.End.Before(start) {
		t.Errorf("end_time %v is not the interruption: the run went from %v to %v", res.End, start, returned)
	}
	if res.Requests != 0 || res.InFlight != workers {
		t.Errorf("requests %d, in flight %d; want 0 and %d", res.Requests, res.InFlight, workers)
	}
	// About 25 slots fell due in 0.5 s; the workers sent 2.
	window := res.End.Sub(res.Start).Seconds()
	due := int64(window*qps) + 1
	if res.Unsent < due-workers-2 || res.Unsent > due {
		t.Errorf("unsent = %d, want about %d slots due in the %.3fs window less %d sent", res.Unsent, due, window, workers)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["interrupted"] != true || m["in_flight"] != float64(workers) {
		t.Errorf("JSON interrupted = %v, in_flight = %v", m["interrupted"], m["in_flight"])
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || !back.Interrupted || back.InFlight != workers {
		t.Errorf("round trip: interrupted %v, in flight %d, err %v", back.Interrupted, back.InFlight, err)
	}
}

// The actual rate of an interrupted run is measured over the window it had,
// not the window it planned.
func TestInterruptedActualRate(t *testing.T) {
	srv := newEchoListener(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Second, cancel)
	res, err := RunContext(ctx, URL(srv), QPS(50), Concurrency(2), Duration(4*time.Second), Warmup(0))
	if !errors.Is(err, context.Canceled) || res == nil {
		t.Fatalf("err = %v, result %v", err, res)
	}
	if res.ActualQPS < 40 || res.ActualQPS > 60 {
		t.Errorf("actual_qps = %.1f over %v with %d requests; want about 50", res.ActualQPS, res.End.Sub(res.Start), res.Requests)
	}
}

func TestMergeKeepsInterruption(t *testing.T) {
	a := synthetic(t, 10, time.Millisecond, time.Microsecond)
	b := synthetic(t, 10, time.Millisecond, time.Microsecond)
	b.Interrupted, b.InFlight = true, 3
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Interrupted || m.InFlight != 3 {
		t.Errorf("merged interrupted %v, in flight %d; want true and 3", m.Interrupted, m.InFlight)
	}
}

// Latencies that no Duration can hold, or below zero, are refused when a
// result is read, naming the member.
func TestResultJSONRejectsOutOfRangeLatencies(t *testing.T) {
	for _, tt := range []struct {
		doc, want string
	}{
		{`{"latencies_ms":{"count":1,"p99":1e13}}`, "latencies_ms.p99"},
		{`{"latencies_ms":{"count":1,"p50":-1}}`, "latencies_ms.p50"},
		{`{"latencies_ms":{"count":1,"max":1e300}}`, "latencies_ms.max"},
		{`{"service_latencies_ms":{"count":1,"average":-0.5}}`, "service_latencies_ms.average"},
		{`{"send_lag_ms":{"count":1,"min":9.3e12}}`, "send_lag_ms.min"},
	} {
		var r Result
		err := json.Unmarshal([]byte(tt.doc), &r)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want an error naming %s", tt.doc, err, tt.want)
		}
	}
	var r Result
	day := `{"latencies_ms":{"count":1,"min":1,"average":1,"p50":1,"p75":1,"p90":1,"p99":86400000,"p999":86400000,"max":86400000}}`
	if err := json.Unmarshal([]byte(day), &r); err != nil {
		t.Errorf("a day in ms was refused: %v", err)
	}
}

// partialTarget returns an interrupted result without an error, as a
// careless Target might.
type partialTarget struct{}

func (partialTarget) Load(context.Context, Plan) (*Result, error) {
	r := &Result{URL: "http://127.0.0.1:9/", Interrupted: true, InFlight: 1}
	return r, nil
}

// A partial result never passes as a measurement, whoever returned it.
func TestRunContextRefusesAPartialResult(t *testing.T) {
	res, err := RunContext(t.Context(), partialTarget{}, Requests(1))
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("err = %v, want the run refused as interrupted", err)
	}
	if res == nil || !res.Interrupted {
		t.Errorf("the partial result was not returned: %+v", res)
	}
}
