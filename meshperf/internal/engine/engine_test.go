package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meshperf/meshperf/meshperf/internal/transport"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// fakeConn answers after a fixed sleep with a fixed status or error.
type fakeConn struct {
	service time.Duration
	status  int
	err     error
	calls   *atomic.Int64
}

func (c *fakeConn) Do(ctx context.Context) (int, error) {
	c.calls.Add(1)
	if c.service > 0 {
		t := time.NewTimer(c.service)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, &transport.Error{Kind: transport.KindCanceled, Err: ctx.Err()}
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	return c.status, nil
}

func (c *fakeConn) Close() error { return nil }

func opener(service time.Duration, status int, err error, calls *atomic.Int64) transport.Opener {
	return func() transport.Conn { return &fakeConn{service: service, status: status, err: err, calls: calls} }
}

func TestRunRejectsBadConfig(t *testing.T) {
	open := opener(0, 200, nil, new(atomic.Int64))
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no transport", Config{Workers: 1, Count: 1, Timeout: time.Second}, "no transport"},
		{"no workers", Config{Open: open, Count: 1, Timeout: time.Second}, "0 workers"},
		{"negative rate", Config{Open: open, Workers: 1, QPS: -1, Count: 1, Timeout: time.Second}, "negative"},
		{"both duration and count", Config{Open: open, Workers: 1, Count: 1, Duration: time.Second, Timeout: time.Second}, "exactly one"},
		{"neither", Config{Open: open, Workers: 1, Timeout: time.Second}, "exactly one"},
		{"negative warm-up", Config{Open: open, Workers: 1, Count: 1, Warmup: -1, Timeout: time.Second}, "warm-up"},
		{"no timeout", Config{Open: open, Workers: 1, Count: 1}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestOpenLoopCountsEverySlotOnce(t *testing.T) {
	tests := []struct {
		name    string
		qps     float64
		workers int
		count   int64
		warmup  time.Duration
	}{
		{name: "one worker", qps: 2000, workers: 1, count: 300},
		{name: "many workers", qps: 5000, workers: 16, count: 1000},
		{name: "with warm-up", qps: 2000, workers: 4, count: 200, warmup: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		forImpls(t, tt.name, func(t *testing.T, im impl) {
			calls := new(atomic.Int64)
			o, err := im.run(t, context.Background(), 0, 200, calls, Config{QPS: tt.qps,
				Workers: tt.workers, Count: tt.count, Warmup: tt.warmup, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if o.Requests+o.Unsent != tt.count {
				t.Errorf("requests %d + unsent %d = %d, want %d", o.Requests, o.Unsent, o.Requests+o.Unsent, tt.count)
			}
			if o.Statuses[200] != o.Requests || o.Response.Count() != o.Requests || o.Service.Count() != o.Requests {
				t.Errorf("200s %d, response samples %d, service samples %d, want all %d",
					o.Statuses[200], o.Response.Count(), o.Service.Count(), o.Requests)
			}
			wantWarm := int64(tt.warmup.Seconds() * tt.qps)
			if o.WarmupRequests != wantWarm {
				t.Errorf("warm-up requests = %d, want %d", o.WarmupRequests, wantWarm)
			}
			if got := calls.Load(); got != o.Requests+o.WarmupRequests {
				t.Errorf("transport saw %d requests, outcome accounts for %d", got, o.Requests+o.WarmupRequests)
			}
			if o.SendLag.Count()+o.Late != o.Requests {
				t.Errorf("send lag samples %d + late %d != requests %d", o.SendLag.Count(), o.Late, o.Requests)
			}
		})
	}
}

// A target slower than the schedule: one worker, 10 ms per request, a slot
// every 5 ms over a 100 ms window (20 slots). Slot i is sent at 10i ms, so
// its backlog is 5i ms: that wait is charged to the response time, the sends
// are late, and the slots the worker never reached before the window closed
// are counted as unsent.
func TestOpenLoopChargesBacklog(t *testing.T) {
	forImpls(t, "slow target", testOpenLoopChargesBacklog)
}

func testOpenLoopChargesBacklog(t *testing.T, im impl) {
	const service = 10 * time.Millisecond
	o, err := im.run(t, context.Background(), service, 200, new(atomic.Int64), Config{
		QPS: 200, Workers: 1, Duration: 100 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Requests+o.Unsent != 20 {
		t.Fatalf("requests %d + unsent %d != 20", o.Requests, o.Unsent)
	}
	// The window closes at 100 ms; a worker at 10 ms per request sends about 10.
	if o.Requests < 6 || o.Requests > 11 {
		t.Errorf("requests = %d, want about 10", o.Requests)
	}
	if o.Late < o.Requests-1 {
		t.Errorf("late = %d, want every send but the first (%d)", o.Late, o.Requests-1)
	}
	maxResp, _ := o.Response.Quantile(1)
	maxSvc, _ := o.Service.Quantile(1)
	// The last request sent, slot n-1, waited about 5(n-1) ms.
	wantBacklog := time.Duration(o.Requests-1) * 5 * time.Millisecond
	if maxResp < wantBacklog+service-time.Millisecond {
		t.Errorf("max response %v, want at least backlog %v + service %v", maxResp, wantBacklog, service)
	}
	if maxSvc > 5*service {
		t.Errorf("max service %v: backlog leaked into service time", maxSvc)
	}
}

func TestClosedLoopExactCount(t *testing.T) {
	forImpls(t, "5000", testClosedLoopExactCount)
}

func testClosedLoopExactCount(t *testing.T, im impl) {
	calls := new(atomic.Int64)
	o, err := im.run(t, context.Background(), 0, 204, calls, Config{Workers: 8, Count: 5000,
		Warmup: 20 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Requests != 5000 || o.Statuses[204] != 5000 {
		t.Errorf("requests = %d (204s %d), want exactly 5000", o.Requests, o.Statuses[204])
	}
	if o.Late != 0 || o.Unsent != 0 || o.SendLag.Count() != 0 {
		t.Errorf("closed loop reported late %d, unsent %d, lag samples %d", o.Late, o.Unsent, o.SendLag.Count())
	}
	if o.WarmupRequests == 0 {
		t.Error("a 20 ms warm-up sent no request")
	}
}

func TestErrorsAreClassifiedAndNotTimed(t *testing.T) {
	refused := &transport.Error{Kind: transport.KindConnect, Err: errors.New("connection refused")}
	o, err := Run(context.Background(), Config{Open: opener(0, 0, refused, new(atomic.Int64)), Workers: 2,
		Count: 100, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Errors[transport.KindConnect] != 100 || o.Requests != 100 {
		t.Errorf("connect errors = %d of %d, want 100 of 100", o.Errors[transport.KindConnect], o.Requests)
	}
	if o.Response.Count() != 0 {
		t.Errorf("%d failed requests were timed as latency", o.Response.Count())
	}
}

func TestStatusCodesKeepTheirValue(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		wantKind transport.Kind // KindNone: counted by status
	}{
		{name: "100", status: 100},
		{name: "200", status: 200},
		{name: "599", status: 599},
		{name: "600", status: 600},
		{name: "999", status: 999},
		{name: "0 is no status", status: 0, wantKind: transport.KindProtocol},
		{name: "99 is not 3 digits", status: 99, wantKind: transport.KindProtocol},
		{name: "1000 is not 3 digits", status: 1000, wantKind: transport.KindProtocol},
		{name: "negative", status: -1, wantKind: transport.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Run(context.Background(), Config{Open: opener(0, tt.status, nil, new(atomic.Int64)), Workers: 1,
				Count: 3, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantKind == transport.KindNone {
				if n := o.Statuses[tt.status]; n != 3 {
					t.Errorf("status %d counted %d times, want 3", tt.status, n)
				}
				return
			}
			if n := o.Errors[tt.wantKind]; n != 3 || o.Response.Count() != 0 {
				t.Errorf("%s errors = %d, timed %d; want 3 errors, none timed", tt.wantKind, n, o.Response.Count())
			}
			if ex := o.ErrorExamples[tt.wantKind]; !strings.Contains(ex, fmt.Sprint(tt.status)) {
				t.Errorf("example %q does not name status %d", ex, tt.status)
			}
		})
	}
}

// seqConn returns the outcomes of a script in turn, then the last one.
type seqConn struct {
	script []seqStep
	i      int
}

type seqStep struct {
	status int
	err    error
}

func (c *seqConn) Do(context.Context) (int, error) {
	st := c.script[min(c.i, len(c.script)-1)]
	c.i++
	return st.status, st.err
}

func (*seqConn) Close() error { return nil }

func TestErrorExamplesKeepTheFirstMessageOfEachKind(t *testing.T) {
	long := strings.Repeat("é", MaxExample)
	script := []seqStep{
		{status: 200},
		{err: &transport.Error{Kind: transport.KindConnectRefused, Err: errors.New("first refusal")}},
		{err: &transport.Error{Kind: transport.KindConnectRefused, Err: errors.New("second refusal")}},
		{err: &transport.Error{Kind: transport.KindTimeout, Err: errors.New("slow")}},
		{err: &transport.Error{Kind: transport.KindProtocol, Err: errors.New(long)}},
		{err: errors.New("unclassified")},
		{status: 200},
	}
	o, err := Run(context.Background(), Config{Open: func() transport.Conn { return &seqConn{script: script} },
		Workers: 1, Count: int64(len(script)), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := map[transport.Kind]string{
		transport.KindConnectRefused: "connect refused: first refusal",
		transport.KindTimeout:        "timeout: slow",
		transport.KindOther:          "unclassified",
	}
	for k := range transport.NumKinds {
		got := o.ErrorExamples[k]
		if k == transport.KindProtocol {
			if len(got) > MaxExample || !utf8.ValidString(got) || !strings.HasPrefix(got, "protocol: é") || !strings.HasSuffix(got, "…") {
				t.Errorf("long example: %d bytes %q; want at most %d, valid UTF-8, ending in …", len(got), got, MaxExample)
			}
			continue
		}
		if got != want[k] {
			t.Errorf("example of %q = %q, want %q", k, got, want[k])
		}
	}
	if o.Errors[transport.KindConnectRefused] != 2 || o.Statuses[200] != 2 {
		t.Errorf("counts: refused %d, 200 %d; want 2 and 2", o.Errors[transport.KindConnectRefused], o.Statuses[200])
	}
}

func TestCancelReturnsPartialOutcome(t *testing.T) {
	forImpls(t, "cancel", testCancelReturnsPartialOutcome)
}

func testCancelReturnsPartialOutcome(t *testing.T, im impl) {
	for _, qps := range []float64{0, 100} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := new(atomic.Int64)
		done := make(chan struct{})
		var o *Outcome
		var err error
		go func() {
			defer close(done)
			o, err = im.run(t, ctx, time.Millisecond, 200, calls, Config{QPS: qps, Workers: 4,
				Duration: time.Hour, Timeout: time.Second})
		}()
		deadline := time.Now().Add(10 * time.Second)
		for calls.Load() < 20 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("qps %v: Run did not return within 10 s of cancel", qps)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("qps %v: err = %v, want context.Canceled", qps, err)
		}
		if o == nil || o.Requests == 0 {
			t.Errorf("qps %v: partial outcome lost: %+v", qps, o)
		}
		if o != nil && o.Errors[transport.KindCanceled] != 0 {
			t.Errorf("qps %v: our own cancellation counted as %d target errors", qps, o.Errors[transport.KindCanceled])
		}
	}
}

// A count run sends exactly Count measured requests, however far behind its
// schedule the workers fall: the window of a count does not close on time.
func TestCountIsExact(t *testing.T) {
	tests := []struct {
		name    string
		qps     float64
		workers int
		count   int64
		service time.Duration
		warmup  time.Duration
	}{
		{name: "one slot, fast rate, one worker", qps: 10000, workers: 1, count: 1},
		{name: "slow target, one worker", qps: 10000, workers: 1, count: 7, service: 2 * time.Millisecond},
		{name: "slow target, two workers", qps: 50000, workers: 2, count: 40, service: time.Millisecond},
		{name: "more workers than requests", qps: 1000, workers: 8, count: 3},
		{name: "with warm-up", qps: 20000, workers: 2, count: 25, service: time.Millisecond, warmup: 5 * time.Millisecond},
		{name: "closed loop, one", qps: 0, workers: 1, count: 1},
		{name: "closed loop, many workers", qps: 0, workers: 8, count: 333},
	}
	for _, tt := range tests {
		forImpls(t, tt.name, func(t *testing.T, im impl) {
			calls := new(atomic.Int64)
			o, err := im.run(t, context.Background(), tt.service, 200, calls, Config{QPS: tt.qps,
				Workers: tt.workers, Count: tt.count, Warmup: tt.warmup, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if o.Requests != tt.count || o.Unsent != 0 || o.Statuses[200] != tt.count {
				t.Errorf("requests %d (200s %d), unsent %d; want exactly %d sent", o.Requests, o.Statuses[200], o.Unsent, tt.count)
			}
			if got := calls.Load(); got != o.Requests+o.WarmupRequests {
				t.Errorf("transport saw %d requests, outcome accounts for %d", got, o.Requests+o.WarmupRequests)
			}
		})
	}
}

// Rates whose slots lie beyond the range of a Duration reach the engine
// only through a bug upstream; even then, no loop may ignore ctx.
func TestTinyRateStopsOnCancel(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "duration", cfg: Config{QPS: 1e-10, Workers: 2, Duration: 10 * time.Second}},
		{name: "warm-up then count", cfg: Config{QPS: 1e-10, Workers: 2, Count: 1, Warmup: time.Second}},
		{name: "warm-up at 1e-5", cfg: Config{QPS: 1e-5, Workers: 1, Count: 1, Warmup: time.Second}},
	}
	for _, tt := range tests {
		forImpls(t, tt.name, func(t *testing.T, im impl) {
			ctx, cancel := context.WithCancel(context.Background())
			cfg := tt.cfg
			cfg.Timeout = time.Second
			done := make(chan error, 1)
			go func() {
				_, err := im.run(t, ctx, 0, 200, new(atomic.Int64), cfg)
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it start; the assertion below does not depend on it
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want nil or context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run ignored cancellation for 10 s")
			}
		})
	}
}

// blockConn answers every request after release is closed, or fails with
// KindCanceled when ctx ends first: a silent server.
type blockConn struct {
	release <-chan struct{}
	calls   *atomic.Int64
}

func (c *blockConn) Do(ctx context.Context) (int, error) {
	c.calls.Add(1)
	select {
	case <-c.release:
		return 200, nil
	case <-ctx.Done():
		return 0, &transport.Error{Kind: transport.KindCanceled, Err: ctx.Err()}
	}
}

func (c *blockConn) Close() error { return nil }

// An interrupted run says so: it ends when it was interrupted, counts the
// requests in flight then, and counts the slots that fell due before the
// interruption but were never sent.
func TestInterruptedOutcome(t *testing.T) {
	forImpls(t, "silent server", func(t *testing.T, im impl) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := new(atomic.Int64)
		type ret struct {
			o   *Outcome
			err error
		}
		done := make(chan ret, 1)
		start := time.Now()
		go func() {
			o, err := im.run(t, ctx, -1, 200, calls, Config{QPS: 1000, Workers: 4, Duration: time.Hour, Timeout: time.Hour})
			done <- ret{o, err}
		}()
		deadline := time.Now().Add(10 * time.Second)
		for calls.Load() < 4 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // let slots fall due behind the blocked workers
		cancel()
		cancelled := time.Now()
		var r ret
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10 s of cancel")
		}
		o := r.o
		if !errors.Is(r.err, context.Canceled) || o == nil {
			t.Fatalf("err = %v, outcome %v; want context.Canceled and an outcome", r.err, o)
		}
		if !o.Interrupted {
			t.Error("Interrupted = false")
		}
		if o.Requests != 0 || o.InFlight != 4 {
			t.Errorf("requests %d, in flight %d; want 0 and 4", o.Requests, o.InFlight)
		}
		// About 20+ ms of slots at 1000/s fell due; 4 were sent.
		if o.Unsent < 10 {
			t.Errorf("unsent = %d, want the slots due before the interruption (about 20 or more)", o.Unsent)
		}
		if o.End.After(cancelled.Add(time.Second)) || o.End.Before(start) {
			t.Errorf("end %v is not the interruption (%v)", o.End, cancelled)
		}
		if o.Errors[transport.KindCanceled] != 0 {
			t.Errorf("our own cancellation counted as %d target errors", o.Errors[transport.KindCanceled])
		}
	})
	t.Run("complete run is not interrupted", func(t *testing.T) {
		o, err := Run(context.Background(), Config{Open: opener(0, 200, nil, new(atomic.Int64)), QPS: 2000, Workers: 2,
			Count: 20, Timeout: time.Second})
		if err != nil || o.Interrupted || o.InFlight != 0 {
			t.Errorf("err %v, interrupted %v, in flight %d", err, o.Interrupted, o.InFlight)
		}
	})
}

// A count's window does not close, so its backlog can outgrow the planned
// length: the histograms must hold every request timing out in turn.
func TestHistHighestCoversACountsBacklog(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		closeAt time.Duration
		atLeast time.Duration
	}{
		{name: "count, one worker", cfg: Config{QPS: 1000, Workers: 1, Count: 10000, Timeout: time.Second}, closeAt: 10 * time.Second, atLeast: 10000 * time.Second},
		{name: "count, closed loop", cfg: Config{Workers: 4, Count: 400, Timeout: time.Second}, atLeast: 100 * time.Second},
		{name: "duration", cfg: Config{QPS: 1000, Workers: 1, Duration: time.Minute, Timeout: time.Second}, closeAt: time.Minute, atLeast: time.Minute + 2*time.Second},
		{name: "huge count", cfg: Config{QPS: 1e7, Workers: 1, Count: 1 << 40, Timeout: time.Hour}, closeAt: time.Hour, atLeast: latency.MaxHighest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := histHighest(tt.cfg, tt.closeAt)
			if got < tt.atLeast || got > latency.MaxHighest {
				t.Errorf("histHighest = %v, want %v to %v", got, tt.atLeast, latency.MaxHighest)
			}
		})
	}
}
