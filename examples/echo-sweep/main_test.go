package main

import (
	"strings"
	"testing"
)

// TestDemoShortMode runs the demo with short steps so that it cannot rot.
func TestDemoShortMode(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"-c", "2,8", "-t", "300ms", "-warmup", "100ms", "-qps", "500"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(strings.TrimSpace(lines[2]), "2 ") || !strings.HasPrefix(strings.TrimSpace(lines[3]), "8 ") {
		t.Errorf("want a header, two step rows and a note; got:\n%s", out.String())
	}
}

func TestDemoRejectsBadSteps(t *testing.T) {
	for _, arg := range []string{"0", "two", "4,,8"} {
		if err := run(t.Context(), []string{"-c", arg}, new(strings.Builder)); err == nil || !strings.Contains(err.Error(), "-c") {
			t.Errorf("-c %q: error = %v, want one naming -c", arg, err)
		}
	}
}
