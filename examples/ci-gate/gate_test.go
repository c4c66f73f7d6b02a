package cigate

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
)

// The gated workload: both sidecars (the built-in mTLS pair), 16
// connections at 1000 req/s. Gate one or two steps that matter to you; a
// gate is only as good as its repetitions (-count), not its breadth.
const (
	QPS         = 1000
	Concurrency = 16
)

var (
	step     = flag.Duration("step", 2*time.Second, "measured window of each run (500ms with -short)")
	warmup   = flag.Duration("warmup", 500*time.Millisecond, "discarded warm-up of each run (200ms with -short)")
	appDelay = flag.String("app-delay", "", "delay the app adds to every response, to inject a regression (default $CI_GATE_APP_DELAY, else 0)")
	appAddr  = flag.String("serve-app", "", "internal: serve the app on this address instead of running tests")
)

// TestMain either serves the app (when the fixture runs this binary in the
// server pod) or runs the benchmarks with -benchtime 1x as the default:
// each benchmark call is one measured run, and -count repeats it.
func TestMain(m *testing.M) {
	flag.Parse()
	if *appAddr != "" {
		os.Exit(serveApp(*appAddr, *appDelay))
	}
	if err := checkFlags(); err != nil {
		fmt.Fprintln(os.Stderr, "ci-gate:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func checkFlags() error {
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if testing.Short() && !given["step"] {
		*step = 500 * time.Millisecond
	}
	if testing.Short() && !given["warmup"] {
		*warmup = 200 * time.Millisecond
	}
	if *step < 100*time.Millisecond || *step > time.Hour {
		return fmt.Errorf("-step %v: use 100ms to 1h", *step)
	}
	if *warmup < 0 || *warmup > time.Hour {
		return fmt.Errorf("-warmup %v: use 0 to 1h", *warmup)
	}
	if _, err := parseDelay(cmp.Or(*appDelay, os.Getenv("CI_GATE_APP_DELAY"))); err != nil {
		return err
	}
	if !given["test.benchtime"] {
		return flag.Set("test.benchtime", "1x")
	}
	if v := flag.Lookup("test.benchtime").Value.String(); v != "1x" {
		return fmt.Errorf("-benchtime %s: use 1x (each run is one sample; repeat with -count)", v)
	}
	return nil
}

func parseDelay(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > time.Second {
		return 0, fmt.Errorf("app delay %q: use a duration from 0 to 1s, e.g. 2ms", s)
	}
	return d, nil
}

// serveApp is the app's main: an echo server that adds delay to every
// response, until the fixture stops it.
func serveApp(addr, delay string) int {
	d, err := parseDelay(delay)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ci-gate app:", err)
		return 2
	}
	srv, err := echo.New(echo.Config{Addr: addr, Delay: d, AllowNonLoopback: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ci-gate app:", err)
		return 1
	}
	defer srv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}

// startCluster brings up the local fixture with this binary as the app,
// adding delay to every response. As root the pods are network namespaces
// and the app listens on the server pod's every address; otherwise it
// listens on a free loopback port.
func startCluster(tb testing.TB, delay time.Duration) *local.Cluster {
	tb.Helper()
	host, port := "0.0.0.0", fixtures.AppPort
	var opts []local.Option
	if os.Geteuid() != 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		host = "127.0.0.1"
		opts = append(opts, local.Loopback())
	}
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	opts = append(opts, local.Sidecar(fixtures.Builtin), local.MTLS(true),
		local.App(port, self, "-serve-app", net.JoinHostPort(host, "{port}"), "-app-delay", delay.String()))
	return local.Start(tb, opts...)
}

// BenchmarkGate is the gated benchmark: run it with MESHPERF_OUT=FILE and
// -count 5 on both sides, then meshperf compare -fail-on old new.
func BenchmarkGate(b *testing.B) {
	delay, _ := parseDelay(cmp.Or(*appDelay, os.Getenv("CI_GATE_APP_DELAY"))) // checked in TestMain
	cluster := startCluster(b, delay)
	b.Run("mode=both/conc="+strconv.Itoa(Concurrency), func(b *testing.B) {
		meshperf.Run(b, cluster.Target(fixtures.Both), meshperf.QPS(QPS), meshperf.Concurrency(Concurrency),
			meshperf.Duration(*step), meshperf.Warmup(*warmup))
	})
}
