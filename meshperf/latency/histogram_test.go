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
	back, err := Decode(text)
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
	small := mustNew(t, 0)
	big := mustNew(t, 10*time.Hour)
	big.Record(5 * time.Hour)
	small.Merge(big)
	if small.Count() != 1 || small.Overflow() != 1 {
		t.Errorf("merge out of range: count %d, overflow %d; want 1 and 1", small.Count(), small.Overflow())
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
			_, err := Decode(tt.text)
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
	text, _ := h.Encode()
	f.Add(text)
	empty, _ := New(0)
	text, _ = empty.Encode()
	f.Add(text)
	f.Add("HISTFAAAACl4nJNpmSzMwMDAzAABMBoEmFgfAlT4ExhT")
	f.Fuzz(func(t *testing.T, text string) {
		h, err := Decode(text)
		if err != nil {
			return
		}
		// Anything decoded must be usable and re-encode to an equal histogram.
		_, _ = h.Summarize()
		again, err := h.Encode()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := Decode(again)
		if err != nil {
			t.Fatalf("decode of re-encoded histogram: %v", err)
		}
		if !back.Equal(h) {
			t.Fatal("re-encoded histogram differs")
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
