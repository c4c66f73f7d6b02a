//go:build meshperfpod

package main

import (
	"context"
	"fmt"
	"io"
)

// The fixtures build meshperf with -tags meshperfpod for their pods and
// containers, where it runs the app, the sidecar and the load: that binary
// leaves out the Docker and Kubernetes clients, which only `meshperf reap`
// uses, and is a third of the size.

func reapDocker(_ context.Context, removed []string, err error, stderr io.Writer) ([]string, error) {
	fmt.Fprintln(stderr, "meshperf reap: docker skipped: this meshperf was built for pods (-tags meshperfpod), without the Docker client")
	return removed, err
}

func reapKube(_ context.Context, removed []string, err error, stderr io.Writer) ([]string, error) {
	fmt.Fprintln(stderr, "meshperf reap: kube skipped: this meshperf was built for pods (-tags meshperfpod), without the Kubernetes client")
	return removed, err
}
