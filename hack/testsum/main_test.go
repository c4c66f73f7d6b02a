package main

import (
	"strings"
	"testing"
)

// A recorded go test -json stream: a pass, a failure, and skips of every
// kind. Lines are what test2json writes (trimmed to the fields we read).
const stream = `{"Action":"run","Package":"github.com/meshperf/meshperf/p","Test":"TestOK"}
{"Action":"pass","Package":"github.com/meshperf/meshperf/p","Test":"TestOK","Elapsed":0.1}
{"Action":"run","Package":"github.com/meshperf/meshperf/p","Test":"TestEnvoy"}
{"Action":"output","Package":"github.com/meshperf/meshperf/p","Test":"TestEnvoy","Output":"    x_test.go:9: [skip component=envoy] envoy is unavailable: not on PATH\n"}
{"Action":"skip","Package":"github.com/meshperf/meshperf/p","Test":"TestEnvoy","Elapsed":0}
{"Action":"run","Package":"github.com/meshperf/meshperf/p","Test":"TestBare"}
{"Action":"output","Package":"github.com/meshperf/meshperf/p","Test":"TestBare","Output":"    x_test.go:12: no busybox here\n"}
{"Action":"output","Package":"github.com/meshperf/meshperf/p","Test":"TestBare","Output":"--- SKIP: TestBare (0.00s)\n"}
{"Action":"skip","Package":"github.com/meshperf/meshperf/p","Test":"TestBare","Elapsed":0}
{"Action":"run","Package":"github.com/meshperf/meshperf/p","Test":"TestChild"}
{"Action":"output","Package":"github.com/meshperf/meshperf/p","Test":"TestChild","Output":"    x_test.go:20: [skip helper] run as a child process by TestParent\n"}
{"Action":"skip","Package":"github.com/meshperf/meshperf/p","Test":"TestChild","Elapsed":0}
{"Action":"run","Package":"github.com/meshperf/meshperf/p","Test":"TestLifecycle"}
{"Action":"output","Package":"github.com/meshperf/meshperf/p","Test":"TestLifecycle","Output":"    x_test.go:30: [skip component=kube-down] a cluster is up\n"}
{"Action":"skip","Package":"github.com/meshperf/meshperf/p","Test":"TestLifecycle","Elapsed":0}
{"Action":"pass","Package":"github.com/meshperf/meshperf/p","Elapsed":1.5}
`

const failing = `{"Action":"run","Package":"github.com/meshperf/meshperf/q","Test":"TestBroken"}
{"Action":"output","Package":"github.com/meshperf/meshperf/q","Test":"TestBroken","Output":"    q_test.go:5: p99 is 0\n"}
{"Action":"fail","Package":"github.com/meshperf/meshperf/q","Test":"TestBroken","Elapsed":0.2}
{"Action":"fail","Package":"github.com/meshperf/meshperf/q","Elapsed":0.3}
`

const earlierLog = `{"Action":"pass","Package":"github.com/meshperf/meshperf/p","Test":"TestLifecycle","Elapsed":50}
`

func TestReport(t *testing.T) {
	for _, tt := range []struct {
		name     string
		input    string
		strict   bool
		allow    []string
		earlier  string
		wantCode int
		want     []string
		dontWant []string
	}{
		{name: "locally skips are listed, not failed", input: stream, wantCode: 0,
			want:     []string{"SKIP p TestBare: x_test.go:12: no busybox here", "skip (component=envoy) p TestEnvoy", "skip (component=kube-down) p TestLifecycle", "PASS"},
			dontWant: []string{"TestChild"}},
		{name: "strict fails on skips off the allow-list", input: stream, strict: true, allow: []string{"envoy"}, wantCode: 1,
			want:     []string{"skip (allowed: component=envoy) p TestEnvoy", "SKIP p TestBare", "SKIP p TestLifecycle", "2 tests skipped", "allow-list: a test may skip only when one of these is missing: envoy", "FAIL"},
			dontWant: []string{"TestChild"}},
		{name: "a test that passed in an earlier log counts as run", input: stream, strict: true, allow: []string{"envoy"},
			earlier: earlierLog, wantCode: 1,
			want:     []string{"skip (passed in an earlier run) p TestLifecycle", "SKIP p TestBare", "1 tests skipped"},
			dontWant: []string{"SKIP p TestLifecycle"}},
		{name: "a failure prints its output and fails", input: failing, wantCode: 1,
			want: []string{"=== FAIL q TestBroken", "p99 is 0", "FAIL"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSummary()
			if err := s.read(strings.NewReader(tt.input), nil); err != nil {
				t.Fatal(err)
			}
			earlier := newSummary()
			if err := earlier.read(strings.NewReader(tt.earlier), nil); err != nil {
				t.Fatal(err)
			}
			allowed := map[string]bool{}
			for _, a := range tt.allow {
				allowed["component="+a] = true
			}
			var out strings.Builder
			code := s.report(&out, tt.strict, true, allowed, earlier.passed)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s", code, tt.wantCode, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}
