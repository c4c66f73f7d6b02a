package e2esuite

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/envfuncs"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/kube"
	"github.com/meshperf/meshperf/fixtures/kube/localcluster"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
)

// The suite's own flags, beside e2e-framework's (--kubeconfig, --namespace,
// --feature, …), which envconf.NewFromFlags parses with them. Pass them
// after -args: go test ./examples/e2e-suite -args -cluster=local.
var (
	clusterFlag = flag.String("cluster", "", "create this cluster in Setup and destroy it in Finish: local (this machine's own Kubernetes: root, and the binaries of make kube-build)")
	meshFlag    = flag.String("mesh", "", "inject this installed mesh's proxies instead of meshperf's sidecars: istio, linkerd or fsm (a cluster only)")
)

// testenv is the suite's environment; TestMain builds it and the tests run
// their features in it.
var testenv env.Environment

// TestMain picks the suite's cluster the way e2e-framework suites do, from
// flags and the environment, and brings the fixture up once for the whole
// suite. Finish tears it down even when a test panics (env.Run runs Finish
// regardless). A bad flag exits 2 before anything starts.
func TestMain(m *testing.M) {
	cfg, err := envconf.NewFromFlags()
	var td teardown
	if err == nil {
		testenv, err = pickCluster(cfg, &td, *clusterFlag, *meshFlag, os.Getenv("KUBECONFIG"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-suite:", err)
		os.Exit(2)
	}
	code := testenv.Run(m)
	// e2e-framework only logs a failed Finish step (at verbosity 2): a
	// teardown that leaves something behind fails the suite here.
	if td.err != nil {
		fmt.Fprintln(os.Stderr, "e2e-suite: teardown:", td.err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// teardown collects the errors of the Finish steps.
type teardown struct{ err error }

// step returns f, recording its error.
func (td *teardown) step(f env.Func) env.Func {
	return func(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
		ctx, err := f(ctx, cfg)
		td.err = errors.Join(td.err, err)
		return ctx, err
	}
}

// localClusterName labels the created cluster in e2e-framework's context.
const localClusterName = "meshperf-e2e"

// pickCluster builds the suite's environment for one of three clusters:
//   - -cluster=local: the machine's own Kubernetes, created in Setup with
//     envfuncs.CreateCluster and destroyed in Finish;
//   - --kubeconfig, or $KUBECONFIG: that cluster, through envconf;
//   - neither: meshperf's local fixture, which needs no cluster.
//
// The feature is the same on all three: it only sees a fixtures.Cluster.
func pickCluster(cfg *envconf.Config, td *teardown, cluster, mesh, kubeconfigEnv string) (env.Environment, error) {
	var meshOpt []kube.Option
	switch mesh {
	case "":
	case "istio":
		meshOpt = append(meshOpt, kube.InjectMesh(kube.Istio()))
	case "linkerd":
		meshOpt = append(meshOpt, kube.InjectMesh(kube.Linkerd()))
	case "fsm":
		meshOpt = append(meshOpt, kube.InjectMesh(kube.FSM()))
	default:
		return nil, fmt.Errorf("-mesh %q: want istio, linkerd or fsm", mesh)
	}
	switch {
	case cluster != "" && cluster != "local":
		return nil, fmt.Errorf("-cluster %q: the only cluster this suite creates is local", cluster)
	case cluster == "local" && cfg.KubeconfigFile() != "":
		return nil, fmt.Errorf("-cluster=local and --kubeconfig %q both name a cluster: give one", cfg.KubeconfigFile())
	case cluster == "local":
		e := env.NewWithConfig(cfg)
		e.Setup(envfuncs.CreateCluster(localcluster.NewProvider(), localClusterName), startKube(meshOpt...))
		e.Finish(td.step(closeCluster), td.step(envfuncs.DestroyCluster(localClusterName)))
		return e, nil
	}
	if cfg.KubeconfigFile() == "" && kubeconfigEnv != "" {
		cfg.WithKubeconfigFile(kubeconfigEnv)
	}
	if cfg.KubeconfigFile() == "" && mesh != "" {
		return nil, fmt.Errorf("-mesh %s needs a cluster (--kubeconfig, $KUBECONFIG or -cluster=local); the local fixture runs meshperf's own sidecars", mesh)
	}
	e := env.NewWithConfig(cfg)
	if cfg.KubeconfigFile() != "" {
		e.Setup(startKube(meshOpt...))
	} else {
		e.Setup(startLocal)
	}
	e.Finish(td.step(closeCluster))
	return e, nil
}

// clusterKey is the context key under which Setup stores the suite's
// cluster.
type clusterKey struct{}

// suiteCluster is what Setup stores: the fixture, and how long each step
// and its warm-up last there.
type suiteCluster struct {
	fixtures.Cluster
	step, warmup time.Duration
}

// steps returns the step and warm-up on a cluster whose resource readings
// come at most every refresh: a step must hold two of them for its CPU and
// memory figures to count (a budget on an unreliable figure fails). Under
// -short the steps are as short as that allows.
func steps(refresh time.Duration) (step, warmup time.Duration) {
	step, warmup = max(2*time.Second, 4*refresh), 500*time.Millisecond
	if testing.Short() {
		step, warmup = max(500*time.Millisecond, 3*refresh), 200*time.Millisecond
	}
	return step, warmup
}

// startLocal is the Setup step without a cluster: meshperf's local fixture
// (network namespaces and cgroups as root, processes on 127.0.0.1
// otherwise) with the built-in mTLS sidecar pair at 1 CPU / 512Mi.
func startLocal(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	c, err := local.New(ctx, local.Sidecar(fixtures.Builtin), local.MTLS(true), local.Limits(meshperf.Core, 512*meshperf.MiB))
	if err != nil {
		return ctx, errors.Join(fmt.Errorf("e2e-suite: local fixture: %w", err), c.Close())
	}
	step, warmup := steps(local.DefaultSampleInterval)
	return context.WithValue(ctx, clusterKey{}, suiteCluster{c, step, warmup}), nil
}

// kubeletRefresh is how often a kubelet's summary API refreshes container
// figures on the local cluster (about once a second, seen in its readings);
// cAdvisor's housekeeping on other clusters may be 10–15 s, and a step
// there must be longer for its resource budgets to hold.
const kubeletRefresh = 1500 * time.Millisecond

// startKube returns the Setup step on a cluster: the kube fixture in the
// cluster envconf names, with the built-in mTLS sidecars at 1 CPU / 512Mi
// (or the injected mesh's, limited the same). The meshperf image comes from
// $MESHPERF_IMAGE, pushed where the cluster can pull it; without it, the
// image is loaded into this machine's own cluster when that is the one
// named.
func startKube(extra ...kube.Option) env.Func {
	return func(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
		opts := []kube.Option{kube.EnvConfig(cfg), kube.MTLS(true), kube.Limits(meshperf.Core, 512*meshperf.MiB),
			kube.Modes(fixtures.Baseline, fixtures.Both)}
		if os.Getenv(kube.ImageEnv) == "" {
			if lc, err := localcluster.Running(); err == nil && sameFile(lc.Kubeconfig(), cfg.KubeconfigFile()) {
				opts = append(opts, kube.LoadWith(lc))
			}
		}
		c, err := kube.New(ctx, append(opts, extra...)...)
		if err != nil {
			return ctx, errors.Join(fmt.Errorf("e2e-suite: kube fixture: %w", err), c.Close())
		}
		step, warmup := steps(kubeletRefresh)
		return context.WithValue(ctx, clusterKey{}, suiteCluster{c, step, warmup}), nil
	}
}

// sameFile reports whether paths a and b name the same existing file.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// closeCluster is the Finish step: it removes everything Setup made.
func closeCluster(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if c, ok := ctx.Value(clusterKey{}).(suiteCluster); ok {
		return ctx, c.Close()
	}
	return ctx, nil
}

// clusterFrom returns the cluster Setup stored, with the step and warm-up
// to run on it, or stops the test.
func clusterFrom(ctx context.Context, t *testing.T) (c fixtures.Cluster, step, warmup time.Duration) {
	t.Helper()
	sc, ok := ctx.Value(clusterKey{}).(suiteCluster)
	if !ok {
		t.Fatal("e2e-suite: no cluster in the context; did Setup fail?")
	}
	return sc.Cluster, sc.step, sc.warmup
}
