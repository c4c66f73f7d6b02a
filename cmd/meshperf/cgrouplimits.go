package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/meshperf/meshperf/internal/cgrouplimit"
)

// runCgroupLimits prints, as JSON, the CPU and memory limits of the cgroup
// this process runs in, as seen from where it runs. The docker and kube
// fixtures exec it inside a container to check that the limits they asked
// for are in force; it is not listed in the usage.
func runCgroupLimits(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cgroup-limits", stderr, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("cgroup-limits takes no arguments, got %q", fs.Args())
	}
	l, err := cgrouplimit.Read("/proc/self")
	if err != nil {
		return fmt.Errorf("reading this process's cgroup limits: %w", err)
	}
	return json.NewEncoder(stdout).Encode(l)
}
