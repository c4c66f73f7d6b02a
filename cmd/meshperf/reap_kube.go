//go:build !meshperfpod

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/meshperf/meshperf/fixtures/kube"
	"github.com/meshperf/meshperf/fixtures/kube/localcluster"
)

// reapKube adds to removed (and err) the kube-fixture runs that the
// cluster KUBECONFIG names holds and whose owner is gone or whose lifetime
// has passed: runs of live processes, and of other hosts before they
// expire, are left alone. When the local cluster is up, the images of the
// reaped runs are removed from it too. No reachable cluster is not an
// error: a note on stderr says it was skipped.
func reapKube(ctx context.Context, removed []string, err error, stderr io.Writer) ([]string, error) {
	var opts []kube.Option
	if lc, lerr := localcluster.Running(); lerr == nil {
		opts = append(opts, kube.LoadWith(lc))
	}
	fromKube, kerr := kube.ReapOrphans(ctx, opts...)
	removed = append(removed, fromKube...) // without a cluster, the killed runs' directories
	var miss *kube.MissingError
	if errors.As(kerr, &miss) {
		fmt.Fprintln(stderr, "meshperf reap: kube skipped:", kerr)
		return removed, err
	}
	return removed, errors.Join(err, kerr)
}
