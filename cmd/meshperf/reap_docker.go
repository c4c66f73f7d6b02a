//go:build !meshperfpod

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/meshperf/meshperf/fixtures/docker"
)

// reapDocker adds to what the local reaper removed (and its error) what
// docker-fixture runs left on the Docker daemon (DOCKER_HOST, or the
// default socket), and the temporary directories of killed docker runs.
// No daemon is not an error: there is then nothing of ours on it to
// remove, and a note on stderr says so.
func reapDocker(ctx context.Context, removed []string, err error, stderr io.Writer) ([]string, error) {
	fromDocker, derr := docker.Reap(ctx)
	removed = append(removed, fromDocker...) // without a daemon, the killed runs' directories
	var miss *docker.MissingError
	if errors.As(derr, &miss) {
		fmt.Fprintln(stderr, "meshperf reap: docker skipped:", derr)
		return removed, err
	}
	return removed, errors.Join(err, derr)
}
