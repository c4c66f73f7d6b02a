package e2esuite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
)

// testenv is the suite's environment; TestMain builds it and the tests run
// their features in it.
var testenv env.Environment

// TestMain brings the fixture up once for the whole suite and tears it down
// at the end, even when a test panics (env.Run runs Finish regardless).
func TestMain(m *testing.M) {
	testenv = env.New()
	testenv.Setup(startCluster(local.Sidecar(fixtures.Builtin), local.MTLS(true),
		local.Limits(meshperf.Core, 512*meshperf.MiB)))
	testenv.Finish(closeCluster)
	os.Exit(testenv.Run(m))
}

// clusterKey is the context key under which Setup stores the cluster.
type clusterKey struct{}

// startCluster returns a Setup step that starts the local fixture (network
// namespaces and cgroups as root, processes on 127.0.0.1 otherwise) and
// stores it in the suite's context.
func startCluster(opts ...local.Option) env.Func {
	return func(ctx context.Context, _ *envconf.Config) (context.Context, error) {
		c, err := local.New(ctx, opts...)
		if err != nil {
			return ctx, errors.Join(fmt.Errorf("e2e-suite: local fixture: %w", err), c.Close())
		}
		return context.WithValue(ctx, clusterKey{}, fixtures.Cluster(c)), nil
	}
}

// closeCluster is the Finish step: it removes everything Setup made.
func closeCluster(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if c, ok := ctx.Value(clusterKey{}).(fixtures.Cluster); ok {
		return ctx, c.Close()
	}
	return ctx, nil
}

// clusterFrom returns the cluster Setup stored, or stops the test.
func clusterFrom(ctx context.Context, t *testing.T) fixtures.Cluster {
	t.Helper()
	c, ok := ctx.Value(clusterKey{}).(fixtures.Cluster)
	if !ok {
		t.Fatal("e2e-suite: no cluster in the context; is startCluster in the suite's Setup?")
	}
	return c
}
