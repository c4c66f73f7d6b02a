//go:build meshperfpod

package main

import (
	"context"
	"errors"

	"github.com/meshperf/meshperf/fixtures"
)

// The pods' build (see reap_pod.go) has no Docker or Kubernetes client: it
// never brings up those fixtures.

var errPodBuild = errors.New("this meshperf was built for pods (-tags meshperfpod), without the Docker and Kubernetes clients: use a full build for -fixture docker or kube")

func startDocker(context.Context, *fixtureFlags) (fixtureCluster, error) { return nil, errPodBuild }

func startKube(context.Context, *fixtureFlags, []fixtures.Mode) (fixtureCluster, error) {
	return nil, errPodBuild
}
