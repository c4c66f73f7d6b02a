package sidecaroverhead

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// The sweep of the public benchmark. Steps are shorter than the article's
// 30 s by default so that the whole comparison (3 sidecars × 2 modes × 6
// concurrencies) takes about 8 minutes; pass -step 30s -warmup 5s for the
// article's figures.
const (
	QPS            = 1000
	DefaultStep    = 10 * time.Second
	DefaultWarmup  = 2 * time.Second
	DefaultConc    = "2,4,8,16,32,64"
	DefaultMeshes  = "builtin,haproxy,nginx"
	ShortStep      = 500 * time.Millisecond
	ShortWarmup    = 200 * time.Millisecond
	ShortConc      = "2,16"
	MaxStep        = time.Hour
	MinStep        = 100 * time.Millisecond
	localMeshNames = "builtin, haproxy, nginx, envoy or pipy"
)

// Flags of the test binary (after -args). -short selects the short defaults.
var (
	flagStep    = flag.String("step", "", "measured window of each step (default 10s; 500ms with -short)")
	flagWarmup  = flag.String("warmup", "", "discarded warm-up of each step (default 2s; 200ms with -short)")
	flagConc    = flag.String("conc", "", "comma-separated concurrency steps (default "+DefaultConc+"; "+ShortConc+" with -short)")
	flagSidecar = flag.String("sidecars", "", "comma-separated local sidecars to compare (default "+DefaultMeshes+"); ignored when MESH is set")
	flagReport  = flag.String("report", "", "where to write the HTML report (default: none; the report is built and checked, not kept)")
)

// settings is the validated sweep.
type settings struct {
	step, warmup time.Duration
	conc         []int
	sidecars     []string // local sidecar kinds; empty with MESH
	mesh         string   // istio, linkerd or fsm: the kube variant
	kubeconfig   string
	report       string // "" builds the report without writing it
}

// loadSettings reads the flags (and MESH, KUBECONFIG) and validates them,
// naming the bad value and what is allowed.
func loadSettings(short bool) (settings, error) {
	s := settings{step: DefaultStep, warmup: DefaultWarmup}
	conc := DefaultConc
	if short {
		s.step, s.warmup, conc = ShortStep, ShortWarmup, ShortConc
	}
	var errs []error
	if *flagStep != "" {
		d, err := time.ParseDuration(*flagStep)
		if err != nil || d < MinStep || d > MaxStep {
			errs = append(errs, fmt.Errorf("-step %q: use a duration from %v to %v, e.g. 10s", *flagStep, MinStep, MaxStep))
		}
		s.step = d
	}
	if *flagWarmup != "" {
		d, err := time.ParseDuration(*flagWarmup)
		if err != nil || d < 0 || d > MaxStep {
			errs = append(errs, fmt.Errorf("-warmup %q: use a duration from 0 to %v, e.g. 2s", *flagWarmup, MaxStep))
		}
		s.warmup = d
	}
	list, err := meshperf.ParseConcurrencies(cmp.Or(*flagConc, conc))
	if err != nil {
		errs = append(errs, fmt.Errorf("-conc: %w", err))
	}
	s.conc = list

	s.mesh, s.kubeconfig = os.Getenv("MESH"), os.Getenv("KUBECONFIG")
	switch {
	case s.mesh != "" && !slices.Contains([]string{"istio", "linkerd", "fsm"}, s.mesh):
		errs = append(errs, fmt.Errorf("MESH=%q: use istio, linkerd or fsm (or leave MESH unset for the local fixture)", s.mesh))
	case s.mesh != "" && s.kubeconfig == "":
		errs = append(errs, fmt.Errorf("MESH=%s needs KUBECONFIG, the cluster where %s is installed", s.mesh, s.mesh))
	case s.mesh == "":
		for _, f := range strings.Split(cmp.Or(*flagSidecar, DefaultMeshes), ",") {
			f = strings.TrimSpace(f)
			switch f {
			case "builtin", "haproxy", "nginx", "envoy", "pipy":
				if slices.Contains(s.sidecars, f) {
					errs = append(errs, fmt.Errorf("-sidecars %q: %s is listed twice", *flagSidecar, f))
				}
				s.sidecars = append(s.sidecars, f)
			default:
				errs = append(errs, fmt.Errorf("-sidecars %q: unknown sidecar %q; use %s", *flagSidecar, f, localMeshNames))
			}
		}
	}

	s.report = *flagReport
	if s.report != "" {
		dir := filepath.Dir(s.report)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("-report %q: directory %s does not exist", s.report, dir))
		}
	}
	return s, errors.Join(errs...)
}

// oneRunPerSample makes -benchtime 1x the default: each sub-benchmark is one
// measured run, and -count repeats it. Any other -benchtime would call the
// step again and again to fill a time budget, so it is refused.
func oneRunPerSample() error {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.benchtime" })
	if !set {
		return flag.Set("test.benchtime", "1x")
	}
	if v := flag.Lookup("test.benchtime").Value.String(); v != "1x" {
		return fmt.Errorf("-benchtime %s: use 1x (each step is one measured run; repeat steps with -count N)", v)
	}
	return nil
}

// settingsForTest lets tests run loadSettings with flag values.
func settingsForTest(t *testing.T, short bool, vals map[string]string) (settings, error) {
	t.Helper()
	ptrs := map[string]*string{"step": flagStep, "warmup": flagWarmup, "conc": flagConc, "sidecars": flagSidecar, "report": flagReport}
	for name, p := range ptrs {
		old := *p
		*p = vals[name]
		t.Cleanup(func() { *p = old })
	}
	return loadSettings(short)
}
