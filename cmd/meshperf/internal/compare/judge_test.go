package compare

import (
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// TestCheckRepeatedRunsVerdicts: with runs enough a side for a 95%
// interval, -fail-on judges the Hodges–Lehmann interval against the
// threshold: breach and inconclusive fail (inconclusive passes with
// AllowInconclusive), within passes. With fewer runs it compares medians.
func TestCheckRepeatedRunsVerdicts(t *testing.T) {
	const ms = time.Millisecond
	// side builds n runs of "both c=8" whose p50 is p50 plus 0, 20, 40, … µs
	// of jitter, and whose achieved rate is qps.
	side := func(n int, p50 time.Duration, qps float64) []*meshperf.Result {
		var rs []*meshperf.Result
		for i := range n {
			r := result("both", 8, p50+time.Duration(i*20)*time.Microsecond, 100)
			r.ActualQPS = qps
			rs = append(rs, r)
		}
		return rs
	}
	tests := []struct {
		name              string
		clause            string
		old, new          []*meshperf.Result
		allowInconclusive bool
		want              string // in the error; "" passes
	}{
		{name: "within: +2% under +10%", clause: "p50>+10%", old: side(6, ms, 1000), new: side(6, ms+20*time.Microsecond, 1000)},
		{name: "breach: +30% over +10%", clause: "p50>+10%", old: side(6, ms, 1000), new: side(6, 1300*time.Microsecond, 1000),
			want: "p50 1.05ms → 1.35ms: worse by +28.57% (95% interval +22.86% to +34.29%; 6 old and 6 new runs) lies wholly above p50>+10%: breach"},
		{name: "inconclusive: +10.5% on +10%", clause: "p50>+10%", old: side(6, ms, 1000), new: side(6, 1155*time.Microsecond, 1000),
			want: "straddles p50>+10%: inconclusive; about "},
		{name: "inconclusive allowed", clause: "p50>+10%", old: side(6, ms, 1000), new: side(6, 1155*time.Microsecond, 1000),
			allowInconclusive: true},
		{name: "absolute breach", clause: "p50>+200us", old: side(5, ms, 1000), new: side(5, 1500*time.Microsecond, 1000),
			want: "worse by +500µs (95% interval +440µs to +560µs; 5 old and 5 new runs) lies wholly above p50>+200µs: breach"},
		{name: "qps drop breach", clause: "qps<-5%", old: side(5, ms, 1000), new: side(5, ms, 800),
			want: "worse by +20.00% (95% interval +20.00% to +20.00%; 5 old and 5 new runs) lies wholly above qps<-5%: breach"},
		{name: "qps rise within", clause: "qps<-5%", old: side(5, ms, 1000), new: side(5, ms, 1200)},
		{name: "3 runs a side: medians crossed", clause: "p50>+10%", old: side(3, ms, 1000), new: side(3, 1155*time.Microsecond, 1000),
			want: "crosses p50>+10%"},
		{name: "3 runs a side: medians within", clause: "p50>+10%", old: side(3, ms, 1000), new: side(3, 1050*time.Microsecond, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ParseThresholds(tt.clause)
			if err != nil {
				t.Fatal(err)
			}
			err = Compare(tt.old, tt.new).Check(ts, Options{AllowInconclusive: tt.allowInconclusive})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v, want a pass", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v\nwant an error holding %q", err, tt.want)
			}
		})
	}
}
