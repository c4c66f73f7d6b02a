//go:build linux

package transport

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf/internal/pace"
)

// openFDs counts this process's open file descriptors.
func openFDs(tb testing.TB) int {
	tb.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatalf("list open descriptors: %v", err)
	}
	return len(ents)
}

// panicLoop panics in the loop's goroutine once its request is in flight.
type panicLoop struct{}

func (panicLoop) Wake(l LoopControl, now time.Duration) {
	l.Send(0, now)
	l.Send(0, now) // not idle: a handler's bug
}

func (panicLoop) Done(LoopControl, int, int, error, time.Duration) {}

// hangLoop sends one request on each connection and never another.
type hangLoop struct{ conns int }

func (h *hangLoop) Wake(l LoopControl, now time.Duration) {
	for c := range h.conns {
		l.Send(c, now)
	}
	h.conns = 0
}

func (*hangLoop) Done(LoopControl, int, int, error, time.Duration) {}

func TestLoopEndsCleanly(t *testing.T) {
	hang := startH1Server(t, h1Script(h1Step{then: thenHang}))
	tests := []struct {
		name    string
		h       LoopHandler
		cancel  time.Duration // cancel ctx after this long; 0: never
		wantErr string
	}{
		{name: "a handler's panic is an error", h: panicLoop{}, wantErr: "panicked"},
		{name: "cancel with requests in flight", h: &hangLoop{conns: 8}, cancel: 100 * time.Millisecond, wantErr: "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := openFDs(t)
			lp, err := NewHTTP1Loop(Spec{URL: hang.url("/"), Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancel > 0 {
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			err = lp.Loop(ctx, 8, pace.Now(), tt.h)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Loop = %v; want an error saying %q", err, tt.wantErr)
			}
			if elapsed := time.Since(start); elapsed > tt.cancel+2*time.Second {
				t.Errorf("Loop returned after %v; want promptly", elapsed)
			}
			// The server, in this process too, closes its ends once it
			// sees the client's go.
			after := openFDs(t)
			for deadline := time.Now().Add(5 * time.Second); after != before && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				after = openFDs(t)
			}
			if after != before {
				t.Errorf("%d descriptors open after Loop; want %d as before", after, before)
			}
		})
	}
}

func TestLoopTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, steps := range [][]h1Step{
		{{then: thenHang}, {resp: h1OK}},
		{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", then: thenHang}, {resp: h1OK}},
	} {
		srv := startH1Server(t, h1Script(steps...))
		got := runSeqLoop(t, Spec{URL: srv.url("/"), Timeout: timeout}, 2, nil)
		checkLoopOutcomes(t, got, []h1Outcome{{kind: KindTimeout}, {status: 200}})
		if e := got[0].elapsed; e < timeout || e > timeout+2*time.Second {
			t.Errorf("the request timed out after %v; want about %v", e, timeout)
		}
		if n := srv.accepted.Load(); n != 2 {
			t.Errorf("server accepted %d connections; want 2", n)
		}
	}
}

// closedLoop keeps every connection busy until n requests have completed,
// failing on the first error.
type closedLoop struct {
	conns, n, sent, done int
	err                  error
}

func (h *closedLoop) Wake(l LoopControl, now time.Duration) {
	for ; h.sent < min(h.conns, h.n); h.sent++ {
		l.Send(h.sent, now)
	}
	h.conns = 0
}

func (h *closedLoop) Done(l LoopControl, c int, status int, err error, now time.Duration) {
	h.done++
	if err != nil && h.err == nil {
		h.err = err
	}
	if h.sent < h.n && h.err == nil {
		h.sent++
		l.Send(c, now)
	}
}

// runClosedLoop sends n requests on conns connections of lp.
func runClosedLoop(tb testing.TB, lp Looper, conns, n int) {
	h := &closedLoop{conns: conns, n: n}
	if err := lp.Loop(tb.Context(), conns, pace.Now(), h); err != nil || h.err != nil || h.done != n {
		tb.Fatalf("Loop = %v; %d of %d requests done, first error %v", err, h.done, n, h.err)
	}
}

// In steady state the loop allocates nothing per request: a run of many
// requests allocates what a run of few does (the connections, their
// buffers, the dials).
func TestLoopDoesNotAllocatePerRequest(t *testing.T) {
	srv := startH1Server(t, serveFixedH1([]byte(h1OK)))
	lp, err := NewHTTP1Loop(Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	few := testing.AllocsPerRun(5, func() { runClosedLoop(t, lp, 4, 40) })
	many := testing.AllocsPerRun(5, func() { runClosedLoop(t, lp, 4, 4040) })
	if perRequest := (many - few) / 4000; perRequest > 0.01 {
		t.Errorf("%.0f allocations for 40 requests, %.0f for 4040: %.3f per request; want 0", few, many, perRequest)
	}
}

// BenchmarkLoop measures a request on the event loop, closed loop, with
// the set-up of the connections amortised over b.N requests.
func BenchmarkLoop(b *testing.B) {
	for _, conns := range []int{1, 16} {
		b.Run("conns="+strconv.Itoa(conns), func(b *testing.B) {
			srv := startH1Server(b, serveFixedH1([]byte(h1OK)))
			lp, err := NewHTTP1Loop(Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			runClosedLoop(b, lp, conns, b.N)
		})
	}
}
