package meshperf_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// rawServer serves HTTP/1.1 GETs on 127.0.0.1 with a fixed tiny response,
// calling before(arrival) ahead of each response. It is closed at cleanup.
func rawServer(t *testing.T, before func(arrival time.Time)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() { serveRaw(c, before) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/"
}

func serveRaw(c net.Conn, before func(time.Time)) {
	defer c.Close()
	r := bufio.NewReader(c)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	for {
		// Read one request head; the requests carry no body.
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
		}
		if before != nil {
			before(time.Now())
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

// spin busy-waits d: an exact service time, unlike a sleep.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// loopbackFloor is what this machine adds on top of the service time for a
// request over loopback (client and server syscalls, scheduling) at the
// median. It is generous because the race detector slows both sides.
const loopbackFloor = 600 * time.Microsecond

// Ground truth: a server with an exact 2 ms service time, at a rate low
// enough that no request queues, reads back as 2 ms plus the loopback floor.
func TestGroundTruthServiceTime(t *testing.T) {
	const service = 2 * time.Millisecond
	url := rawServer(t, func(time.Time) { spin(service) })
	res, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.QPS(100), meshperf.Concurrency(4),
		meshperf.Duration(3*time.Second), meshperf.Warmup(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("response %+v", res.Latency)
	t.Logf("service  %+v", res.Service)
	t.Logf("send lag %+v", res.SendLag)
	if res.Latency.Min < service-service/1000 { // HDR precision: 0.1%
		t.Errorf("min %v is below the exact service time %v", res.Latency.Min, service)
	}
	if res.Latency.P50 > service+loopbackFloor {
		t.Errorf("p50 %v exceeds service %v + loopback floor %v", res.Latency.P50, service, loopbackFloor)
	}
	if res.Requests != 300 || res.Failures() != 0 {
		t.Errorf("requests %d, failures %d; want 300 and 0", res.Requests, res.Failures())
	}
}

// Stalls: the server stops answering for 500 ms every 5 s. Over 10 s at a
// constant rate, 10% of requests are intended during a stall and wait for its end,
// uniformly 0–500 ms. The top 1% of all requests are the top 10% of those,
// so p99 ≈ 450 ms. Service time, measured from the actual send, hides it:
// only the few requests in flight when a stall begins are slow (16 per
// stall, 0.3% of the requests). Under -short one stall of 400 ms in 4 s keeps
// both shares: p99 ≈ 360 ms, and 16 slow service times are 0.4%.
func TestStallsShowInResponseTimeNotServiceTime(t *testing.T) {
	every, stall, run := 5*time.Second, 500*time.Millisecond, 10*time.Second
	if testing.Short() {
		every, stall, run = 4*time.Second, 400*time.Millisecond, 4*time.Second
	}
	t0 := time.Now()
	url := rawServer(t, func(arrival time.Time) {
		if phase := arrival.Sub(t0) % every; phase < stall {
			time.Sleep(stall - phase)
		}
	})
	res, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.QPS(1000), meshperf.Concurrency(16),
		meshperf.Duration(run), meshperf.Warmup(0), meshperf.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("response %+v", res.Latency)
	t.Logf("service  %+v", res.Service)
	t.Logf("late %d unsent %d", res.Late, res.Unsent)
	analytic, tolerance := stall*9/10, stall*8/100 // 450 ± 40 ms
	if d := res.Latency.P99 - analytic; d < -tolerance || d > tolerance {
		t.Errorf("response p99 = %v, want %v ± %v", res.Latency.P99, analytic, tolerance)
	}
	if res.Service.P99 > 50*time.Millisecond {
		t.Errorf("service p99 = %v: expected the stall to stay hidden from service time", res.Service.P99)
	}
	if intended := int64(run/time.Millisecond) * int64(stall) / int64(every); res.Late < intended/2 {
		t.Errorf("late = %d, want the ~%d requests intended during the stalls", res.Late, intended)
	}
}

// Schedule: at 1000 QPS for 10 s the window holds 10000 requests, and the
// achieved rate matches the requested one (2 s and 2000 under -short).
func TestScheduleHoldsTheRate(t *testing.T) {
	url := rawServer(t, nil)
	run := 10 * time.Second
	if testing.Short() {
		run = 2 * time.Second
	}
	want := int64(run / time.Millisecond)
	res, err := meshperf.RunContext(t.Context(), meshperf.URL(url), meshperf.QPS(1000), meshperf.Concurrency(4),
		meshperf.Duration(run), meshperf.Warmup(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("requests %d actual %.2f req/s late %d unsent %d lag %+v", res.Requests, res.ActualQPS, res.Late, res.Unsent, res.SendLag)
	if res.Requests < want*99/100 || res.Requests > want*101/100 {
		t.Errorf("requests = %d, want %d ± 1%%", res.Requests, want)
	}
	if res.ActualQPS < 990 || res.ActualQPS > 1010 {
		t.Errorf("actual rate = %.2f, want 1000 ± 1%%", res.ActualQPS)
	}
}

func TestConnectionRefusedFailsPlainlyAndQuickly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	res, err := meshperf.RunContext(t.Context(), meshperf.URL("http://"+addr+"/"), meshperf.QPS(200),
		meshperf.Duration(500*time.Millisecond), meshperf.Warmup(0))
	if !errors.Is(err, meshperf.ErrNoSamples) || !strings.Contains(err.Error(), "connect refused: ") {
		t.Fatalf("error = %v, want ErrNoSamples naming refused connections", err)
	}
	if res == nil || res.TransportErrors["connect refused"] != res.Requests || res.Requests == 0 {
		t.Errorf("result %+v: want every request counted as a refused connection", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a refused run took %v", d)
	}
}

func TestRunIsInterruptible(t *testing.T) {
	url := rawServer(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	res, err := meshperf.RunContext(ctx, meshperf.URL(url), meshperf.QPS(500), meshperf.Duration(time.Hour), meshperf.Warmup(0))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the context's deadline", err)
	}
	if res == nil || res.Requests == 0 {
		t.Fatalf("the partial result was lost: %+v", res)
	}
}
