package pace

import (
	"context"
	"math"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestNewScheduleRejectsBadRates(t *testing.T) {
	for _, qps := range []float64{0, -1, math.NaN(), math.Inf(1), 2e9} {
		if _, err := NewSchedule(qps); err == nil {
			t.Errorf("NewSchedule(%v): want an error", qps)
		}
	}
}

func TestScheduleSlots(t *testing.T) {
	tests := []struct {
		name string
		qps  float64
		d    time.Duration
		want int64
	}{
		{name: "1000qps 10s", qps: 1000, d: 10 * time.Second, want: 10000},
		{name: "1000qps 1.5ms", qps: 1000, d: 1500 * time.Microsecond, want: 2},
		{name: "3qps 1s", qps: 3, d: time.Second, want: 3},
		{name: "fractional rate", qps: 0.5, d: 4 * time.Second, want: 2},
		{name: "zero length", qps: 1000, d: 0, want: 0},
		{name: "odd rate", qps: 777.7, d: 30 * time.Second, want: 23331},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.qps)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Slots(tt.d); got != tt.want {
				t.Errorf("Slots(%v) = %d, want %d", tt.d, got, tt.want)
			}
		})
	}
}

func FuzzSchedule(f *testing.F) {
	f.Add(1000.0, int64(10*time.Second), int64(5))
	f.Add(0.001, int64(time.Hour), int64(0))
	f.Add(123456.789, int64(time.Millisecond), int64(99))
	f.Fuzz(func(t *testing.T, qps float64, dNs int64, i int64) {
		s, err := NewSchedule(qps)
		if err != nil {
			return
		}
		d := time.Duration(dNs % int64(24*time.Hour))
		if float64(d)*qps/1e9 > 1e7 { // keep the correction loops small
			return
		}
		n := s.Slots(d)
		if n < 0 {
			t.Fatalf("Slots(%v) = %d < 0", d, n)
		}
		if n > 0 && s.Offset(n-1) >= d {
			t.Fatalf("slot %d at %v is not before %v", n-1, s.Offset(n-1), d)
		}
		if d > 0 && s.Offset(n) < d {
			t.Fatalf("slot %d at %v is before %v but not counted", n, s.Offset(n), d)
		}
		i = i % (n + 1)
		if i > 0 && s.Offset(i) < s.Offset(i-1) {
			t.Fatalf("offsets decrease at %d", i)
		}
	})
}

// waitLags waits n times for deadlines every period and returns how late
// each wake was.
func waitLags(w Waiter, n int, period time.Duration) []time.Duration {
	base := Now()
	lags := make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		off := time.Duration(i) * period
		w.WaitUntil(base, off)
		lags = append(lags, time.Since(base.Time)-off)
	}
	slices.Sort(lags)
	return lags
}

func TestWaiterNeverWakesEarly(t *testing.T) {
	ctx := context.Background()
	for name, w := range map[string]Waiter{"os": NewWaiter(ctx), "timer": NewTimerWaiter(ctx)} {
		t.Run(name, func(t *testing.T) {
			defer w.Close()
			lags := waitLags(w, 200, time.Millisecond)
			// Two clocks are read at slightly different moments; allow 5 µs.
			if lags[0] < -5*time.Microsecond {
				t.Errorf("woke %v early", -lags[0])
			}
			t.Logf("lag over 200 waits at 1 kHz: min %v p50 %v p99 %v max %v",
				lags[0], lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1])
		})
	}
}

func TestWaiterInterrupt(t *testing.T) {
	for name, mk := range map[string]func(context.Context) Waiter{"os": NewWaiter, "timer": NewTimerWaiter} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			w := mk(ctx)
			defer w.Close()
			done := make(chan time.Duration, 1)
			go func() {
				start := time.Now()
				w.WaitUntil(Now(), time.Hour)
				done <- time.Since(start)
			}()
			cancel()
			select {
			case d := <-done:
				t.Logf("cancel released the wait after %v", d)
			case <-time.After(10 * time.Second):
				t.Fatal("a cancelled wait did not return within 10 s")
			}
			// Every later wait returns at once.
			start := time.Now()
			w.WaitUntil(Now(), time.Hour)
			if d := time.Since(start); d > time.Second {
				t.Errorf("a wait after cancel took %v", d)
			}
		})
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	w := NewWaiter(context.Background())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Interrupt() // after Close: must not touch a closed fd
}

// BenchmarkWaiterLag reports, for each Waiter, the median and p99 wake lag
// at 1 kHz (the generator's own timing floor on this machine) and the CPU a
// process spends on nothing but those 1000 wake-ups a second: the floor
// under any generator that sleeps between evenly paced requests.
func BenchmarkWaiterLag(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		mk   func(context.Context) Waiter
	}{{"os", NewWaiter}, {"timer", NewTimerWaiter}} {
		b.Run("waiter="+bc.name, func(b *testing.B) {
			w := bc.mk(ctx)
			defer w.Close()
			base := Now()
			var lags []time.Duration
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				i++
				off := time.Duration(i) * time.Millisecond
				w.WaitUntil(base, off)
				lags = append(lags, time.Since(base.Time)-off)
			}
			wall := time.Since(base.Time)
			slices.Sort(lags)
			b.ReportMetric(float64(lags[len(lags)/2]), "p50-lag-ns")
			b.ReportMetric(float64(lags[len(lags)*99/100]), "p99-lag-ns")
			b.ReportMetric(100*(cpuTime()-cpu0).Seconds()/wall.Seconds(), "cpu-%")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A rate so low that its second slot lies beyond time.Duration's range must
// not overflow: Offset saturates, Slots returns at once, and the fuzz
// invariants hold.
func TestScheduleTinyRates(t *testing.T) {
	tests := []struct {
		name string
		qps  float64
		d    time.Duration
		want int64
	}{
		{name: "1e-10 over 10s", qps: 1e-10, d: 10 * time.Second, want: 1},
		{name: "1e-10 over 24h", qps: 1e-10, d: 24 * time.Hour, want: 1},
		{name: "smallest float", qps: math.SmallestNonzeroFloat64, d: time.Second, want: 1},
		{name: "1e-9 up to the last nanosecond", qps: 1e-9, d: math.MaxInt64, want: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.qps)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan int64, 1)
			go func() { done <- s.Slots(tt.d) }()
			select {
			case got := <-done:
				if got != tt.want {
					t.Errorf("Slots(%v) = %d, want %d", tt.d, got, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Slots(%v) at %g req/s did not return within 10 s", tt.d, tt.qps)
			}
			for i := int64(1); i < 4; i++ {
				if s.Offset(i) < s.Offset(i-1) || s.Offset(i) < 0 {
					t.Errorf("Offset(%d) = %v after Offset(%d) = %v: overflowed", i, s.Offset(i), i-1, s.Offset(i-1))
				}
			}
		})
	}
}

// A wait whose deadline lies beyond the clock's range still ends when ctx
// is cancelled.
func TestWaiterFarDeadlineIsInterruptible(t *testing.T) {
	for name, mk := range map[string]func(context.Context) Waiter{"os": NewWaiter, "timer": NewTimerWaiter} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			w := mk(ctx)
			defer w.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				w.WaitUntil(Now(), math.MaxInt64)
			}()
			time.Sleep(20 * time.Millisecond) // let the wait begin; the assertion does not depend on it
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("a wait until the end of time ignored cancellation for 10 s")
			}
		})
	}
}
