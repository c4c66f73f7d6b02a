package main

import (
	"encoding/json"
	"testing"

	"github.com/meshperf/meshperf/internal/cgrouplimit"
)

func TestCgroupLimitsPrintsThisProcessLimits(t *testing.T) {
	want, err := cgrouplimit.Read("/proc/self")
	if err != nil {
		// Where this process cannot read its own cgroup, the command must
		// fail the same way, not print zeros.
		if code, _, _ := runCLI(t, "cgroup-limits"); code != exitFail {
			t.Errorf("exit %d where the cgroup cannot be read (%v), want %d", code, err, exitFail)
		}
		return
	}
	code, stdout, stderr := runCLI(t, "cgroup-limits")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got cgrouplimit.Limits
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if got != want {
		t.Errorf("printed %+v, want %+v", got, want)
	}
	if code, _, _ := runCLI(t, "cgroup-limits", "extra"); code != exitUsage {
		t.Errorf("an argument: exit %d, want %d", code, exitUsage)
	}
}
