package main

import (
	"context"
	"fmt"
	"io"

	"github.com/meshperf/meshperf/fixtures/local"
)

func runReap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reap", stderr, "[-kube]")
	withKube := fs.Bool("kube", false, "also delete the namespaces (and, on the local cluster, the images) of orphaned kube-fixture runs in the cluster KUBECONFIG names")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: reap takes no arguments", fs.Args())
	}
	removed, err := local.Reap(ctx)
	removed, err = reapDocker(ctx, removed, err, stderr)
	if *withKube {
		removed, err = reapKube(ctx, removed, err, stderr)
	}
	for _, r := range removed {
		fmt.Fprintln(stdout, "removed", r)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintln(stdout, "nothing to remove")
	}
	return err
}
