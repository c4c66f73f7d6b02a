package latency

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func mustNew(t testing.TB, highest time.Duration) *Histogram {
	t.Helper()
	h, err := New(highest)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// samples returns n log-uniform latencies between 1 µs and 10 s.
func samples(n int, seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]time.Duration, n)
	for i := range out {
		exp := 3 + r.Float64()*7 // 10^3 .. 10^10 ns
		out[i] = time.Duration(math.Pow(10, exp))
	}
	return out
}

func TestMergeOfWorkersEqualsOneHistogram(t *testing.T) {
	all := mustNew(t, 0)
	workers := make([]*Histogram, 8)
	for i := range workers {
		workers[i] = mustNew(t, 0)
	}
	for i, v := range samples(100000, 1) {
		all.Record(v)
		workers[i%len(workers)].Record(v)
	}
	merged := mustNew(t, 0)
	for _, w := range workers {
		merged.Merge(w)
	}
	if !merged.Equal(all) {
		t.Fatal("merge of per-worker histograms differs from one histogram of all samples")
	}
	a, _ := all.Summarize()
	m, _ := merged.Summarize()
	if a != m {
		t.Errorf("summaries differ:\n all    %+v\n merged %+v", a, m)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	h := mustNew(t, time.Hour)
	for _, v := range samples(50000, 2) {
		h.Record(v)
	}
	text, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(text, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(h) {
		t.Fatal("decoded histogram differs from the original")
	}
	// Decoded histograms keep merging losslessly.
	back.Merge(h)
	if back.Count() != 2*h.Count() {
		t.Errorf("count after merge = %d, want %d", back.Count(), 2*h.Count())
	}
}

func TestRecordedValuesReadBackWithinPrecision(t *testing.T) {
	for _, v := range []time.Duration{1, 999, 2047, 2048, 50 * time.Microsecond, 212 * time.Microsecond,
		time.Millisecond, 266 * time.Millisecond, 30 * time.Second} {
		h := mustNew(t, 0)
		h.Record(v)
		got, err := h.Quantile(0.5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := float64(got-v) / float64(v); diff < -0.001 || diff > 0.001 {
			t.Errorf("recorded %v, read %v (%.4f%% off, want within 0.1%%)", v, got, 100*diff)
		}
	}
}

func TestOverflowIsCountedNotDropped(t *testing.T) {
	h := mustNew(t, 0)
	h.Record(2 * time.Hour) // above the one-minute default
	h.Record(time.Millisecond)
	if h.Count() != 2 || h.Overflow() != 1 {
		t.Fatalf("count %d, overflow %d; want 2 and 1", h.Count(), h.Overflow())
	}
}

// Merging a histogram of a wider range widens the receiver instead of
// clamping the other's values at the receiver's top.
func TestMergeWidensToTheWidestRange(t *testing.T) {
	tests := []struct {
		name               string
		first, second      time.Duration // ranges
		values             []time.Duration
		wantHighest        time.Duration
		wantOverflow       int64
		wantMaxWithinRange time.Duration
	}{
		{name: "narrow receiver", first: 0, second: 10 * time.Hour, values: []time.Duration{5 * time.Hour},
			wantHighest: 10 * time.Hour, wantMaxWithinRange: 5 * time.Hour},
		{name: "wide receiver", first: 10 * time.Hour, second: 0, values: []time.Duration{30 * time.Second},
			wantHighest: 10 * time.Hour, wantMaxWithinRange: 30 * time.Second},
		{name: "both narrow, other overflowed", first: 0, second: 0, values: []time.Duration{2 * time.Hour},
			wantHighest: DefaultHighest, wantOverflow: 1, wantMaxWithinRange: DefaultHighest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, tt.first)
			h.Record(time.Millisecond)
			other := mustNew(t, tt.second)
			for _, v := range tt.values {
				other.Record(v)
			}
			h.Merge(other)
			if h.Count() != int64(1+len(tt.values)) || h.Overflow() != tt.wantOverflow || h.Highest() != tt.wantHighest {
				t.Fatalf("count %d, overflow %d, highest %v; want %d, %d, %v", h.Count(), h.Overflow(), h.Highest(),
					1+len(tt.values), tt.wantOverflow, tt.wantHighest)
			}
			got, err := h.Quantile(1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := float64(got-tt.wantMaxWithinRange) / float64(tt.wantMaxWithinRange); diff < -0.001 || diff > 0.001 {
				t.Errorf("max %v, want %v within 0.1%%", got, tt.wantMaxWithinRange)
			}
			if lo, _ := h.Quantile(0); lo > 1001*time.Microsecond {
				t.Errorf("min %v: the receiver's own values were lost in the widening", lo)
			}
		})
	}
}

// Overflow is not in the encoding: results carry it beside it, and Decode
// takes it back, refusing counts the histogram cannot hold.
func TestDecodeCarriesOverflow(t *testing.T) {
	h := mustNew(t, 0)
	h.Record(2 * time.Hour)
	h.Record(3 * time.Hour)
	h.Record(time.Millisecond)
	text, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(text, h.Overflow())
	if err != nil {
		t.Fatal(err)
	}
	if back.Overflow() != 2 || !back.Equal(h) {
		t.Errorf("decoded overflow %d, equal %v; want 2 and an equal histogram", back.Overflow(), back.Equal(h))
	}
	for _, tt := range []struct {
		name, text string
		overflow   int64
	}{
		{"negative", text, -1},
		{"more than the count", text, 4},
	} {
		if _, err := Decode(tt.text, tt.overflow); err == nil || !strings.Contains(err.Error(), "overflow") {
			t.Errorf("%s: Decode(_, %d) error = %v, want one naming the overflow", tt.name, tt.overflow, err)
		}
	}
}

func TestEmptyHistogramHasNoSummary(t *testing.T) {
	h := mustNew(t, 0)
	if _, err := h.Summarize(); !errors.Is(err, ErrNoSamples) {
		t.Errorf("Summarize() error = %v, want ErrNoSamples", err)
	}
	if _, err := h.Quantile(0.99); !errors.Is(err, ErrNoSamples) {
		t.Errorf("Quantile() error = %v, want ErrNoSamples", err)
	}
}

func TestBadArguments(t *testing.T) {
	h := mustNew(t, 0)
	h.Record(time.Millisecond)
	for _, q := range []float64{-0.1, 1.5, 99} {
		if _, err := h.Quantile(q); err == nil || !strings.Contains(err.Error(), "[0, 1]") {
			t.Errorf("Quantile(%v) error = %v, want one naming [0, 1]", q, err)
		}
	}
	if _, err := New(MaxHighest + 1); err == nil {
		t.Error("New above MaxHighest: want an error")
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"not base64", "!!!", "base64"},
		{"too short", "AAAA", "too short"},
		{"not zlib", "HIST" + strings.Repeat("A", 40), "zlib"},
		{"too long", strings.Repeat("A", maxEncodedLen+4), "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.text, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	h, _ := New(0)
	for _, v := range samples(100, 3) {
		h.Record(v)
	}
	h.Record(2 * time.Hour)
	text, _ := h.Encode()
	f.Add(text, h.Overflow())
	f.Add(text, int64(-1))
	f.Add(text, h.Count()+1)
	empty, _ := New(0)
	text, _ = empty.Encode()
	f.Add(text, int64(0))
	f.Add("HISTFAAAACl4nJNpmSzMwMDAzAABMBoEmFgfAlT4ExhT", int64(1))
	f.Fuzz(func(t *testing.T, text string, overflow int64) {
		h, err := Decode(text, overflow)
		if err != nil {
			return
		}
		if h.Overflow() != overflow || overflow < 0 || overflow > h.Count() {
			t.Fatalf("decoded overflow %d of %d values, given %d", h.Overflow(), h.Count(), overflow)
		}
		// Anything decoded must be usable and re-encode to an equal histogram.
		_, _ = h.Summarize()
		again, err := h.Encode()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := Decode(again, h.Overflow())
		if err != nil {
			t.Fatalf("decode of re-encoded histogram: %v", err)
		}
		if !back.Equal(h) {
			t.Fatal("re-encoded histogram differs")
		}
		// It merges into one of ours without losing a count.
		m, _ := New(0)
		m.Merge(h)
		if m.Count() != h.Count() || m.Overflow() < h.Overflow() {
			t.Fatalf("merge: count %d overflow %d, from %d and %d", m.Count(), m.Overflow(), h.Count(), h.Overflow())
		}
	})
}

// BenchmarkRecord is the cost of recording one latency.
func BenchmarkRecord(b *testing.B) {
	h, _ := New(0)
	vals := samples(1024, 4)
	i := 0
	for b.Loop() {
		h.Record(vals[i&1023])
		i++
	}
}
