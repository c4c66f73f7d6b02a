package main

import (
	"strings"
	"testing"
)

// TestLoadBudgetUnsent: a target that takes 50 ms a request, loaded at
// 100 req/s by one worker, can be sent at most 20 of the 100 planned
// slots a second. Whatever the latency ceiling, the budget fails, naming
// the unsent slots and their share, unless unsent<100% lifts the ceiling.
func TestLoadBudgetUnsent(t *testing.T) {
	url := echoURL(t) + "?delay=50ms"
	for _, tt := range []struct {
		name   string
		budget string
		code   int
		want   []string // in stderr
	}{
		{name: "latency only", budget: "p99<60s", code: exitFail,
			want: []string{`budget "p99<60s" broken`, "unsent: ", "of 100 planned slots", "over the ceiling 0.1%"}},
		{name: "explicit ceiling", budget: "p99<60s,unsent<5%", code: exitFail, want: []string{"unsent: ", "over the ceiling 5%"}},
		{name: "no ceiling", budget: "p99<60s,unsent<100%", code: exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "load", "-qps", "100", "-c", "1", "-t", "1s", "-warmup", "0", "-budget", tt.budget, url)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
