package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/fixtures/proxies"
	"github.com/meshperf/meshperf/meshperf"
)

// The fixtures the commands that bring one up (sweep, capacity) can use,
// and their flags. Each is started through its package's New with the
// options the flags ask for: the command line is one more caller of the Go
// API, not a second way to set a fixture up.
const (
	fixtureLocal  = "local"
	fixtureDocker = "docker"
	fixtureKube   = "kube"
)

// fixtureCluster is what the commands use of a started fixture.
type fixtureCluster interface {
	Target(fixtures.Mode) meshperf.Target
	Environment() map[string]string
	Close() error
}

// sidecarsOf lists the -sidecar values each fixture takes. The kube
// fixture runs a proxy other than the built-in one from -sidecar-image.
var sidecarsOf = map[string][]fixtures.SidecarKind{
	fixtureLocal:  {fixtures.Builtin, fixtures.HAProxy, fixtures.Nginx, fixtures.Envoy, fixtures.Pipy},
	fixtureDocker: {fixtures.Builtin, fixtures.HAProxy, fixtures.Nginx},
	fixtureKube:   {fixtures.Builtin, fixtures.HAProxy, fixtures.Nginx, fixtures.Envoy, fixtures.Pipy},
}

// onlyFor lists the flags that shape one fixture only.
var onlyFor = []struct{ flag, fixture string }{
	{"intercept", fixtureLocal}, {"loopback", fixtureLocal},
	{"mesh", fixtureKube}, {"image", fixtureKube}, {"sidecar-image", fixtureKube}, {"clients", fixtureKube},
	{"lifetime", fixtureKube},
}

// meshNames are the meshes -mesh takes.
var meshNames = []string{"istio", "linkerd", "fsm"}

// fixtureFlags are the flags that choose and shape the fixture.
type fixtureFlags struct {
	fixture, sidecar, cpuLimit, memLimit, intercept *string
	mesh, image, sidecarImage                       *string
	mtls, loopback                                  *bool
	clients                                         *int
	lifetime                                        *time.Duration

	// Set by check.
	cpu meshperf.CPU
	mem meshperf.Bytes
	bin string // the meshperf the pods run
}

// addFixtureFlags defines the fixture's flags; fixture is -fixture's
// default ("" for none).
func addFixtureFlags(fs *flag.FlagSet, fixture string) *fixtureFlags {
	// -clients and -lifetime default to kube.DefaultClients and
	// kube.DefaultLifetime, spelt out: the pods' build has no kube package.
	return &fixtureFlags{
		fixture:      fs.String("fixture", fixture, "the fixture to bring up: local (processes), docker (containers) or kube (pods in the cluster KUBECONFIG names)"),
		sidecar:      fs.String("sidecar", string(fixtures.DefaultSidecar), "sidecar: builtin, haproxy, nginx, envoy or pipy (docker: builtin, haproxy or nginx; kube: other than builtin needs -sidecar-image)"),
		cpuLimit:     fs.String("cpu-limit", "1", "each sidecar's CPU limit in cores or millicores (500m); 0 = none"),
		memLimit:     fs.String("mem-limit", "512Mi", "each sidecar's memory limit (512Mi); 0 = none"),
		mtls:         fs.Bool("mtls", true, "mutual TLS between the sidecars"),
		intercept:    fs.String("intercept", string(local.Ports), "local: how traffic reaches the sidecars: ports (explicit) or iptables (REDIRECT, as istio-init)"),
		loopback:     fs.Bool("loopback", false, "local: run on 127.0.0.1 without namespaces or cgroups, even as root"),
		mesh:         fs.String("mesh", "", "kube: inject this installed mesh's proxy as the sidecars instead: istio, linkerd or fsm"),
		image:        fs.String("image", "", "kube: image with the static meshperf binary at /meshperf that the cluster can pull (default $MESHPERF_IMAGE; without either, the running local cluster loads one built from this meshperf)"),
		sidecarImage: fs.String("sidecar-image", "", "kube: the proxy's image, for -sidecar haproxy, nginx, envoy or pipy"),
		clients:      fs.Int("clients", 1, "kube: client pods, each running the load generator"),
		lifetime:     fs.Duration("lifetime", 12*time.Hour, "kube: how long the run's pods and namespace live at most, should this process die (1m to 168h)"),
	}
}

// check checks the flags before anything starts: a flag for another
// fixture, or a value the fixture does not take, is a usage error naming
// the flag and what is allowed. set names the flags given.
func (f *fixtureFlags) check(set map[string]bool) error {
	fx := *f.fixture
	if _, ok := sidecarsOf[fx]; !ok {
		return usagef("-fixture %q: use local, docker or kube", fx)
	}
	for _, o := range onlyFor {
		if set[o.flag] && o.fixture != fx {
			return usagef("-%s is for -fixture %s only, not %s", o.flag, o.fixture, fx)
		}
	}
	if err := f.checkSidecar(set); err != nil {
		return err
	}
	if fx == fixtureLocal {
		switch local.Interception(*f.intercept) {
		case local.Ports, local.IPTables:
		default:
			return usagef("-intercept %q: use ports or iptables", *f.intercept)
		}
	}
	var err error
	if f.cpu, err = meshperf.ParseCPU(*f.cpuLimit); err != nil {
		return usagef("-cpu-limit %v", err)
	}
	if f.mem, err = meshperf.ParseBytes(*f.memLimit); err != nil {
		return usagef("-mem-limit %v", err)
	}
	// The pods run this binary, unless MESHPERF_BIN names another (as
	// tests do: their own executable is the test binary).
	if f.bin = os.Getenv("MESHPERF_BIN"); f.bin == "" {
		if f.bin, err = os.Executable(); err != nil {
			return err
		}
	}
	return nil
}

// checkProtocol fails, before anything starts, a run whose sidecars
// cannot carry proto in one of modes: otherwise a sweep would measure
// baseline first and fail at its first mode with sidecars. A mesh's
// injected proxy carries what its mesh carries; the path check proves it.
func (f *fixtureFlags) checkProtocol(modes []fixtures.Mode, proto meshperf.Protocol) error {
	kind := fixtures.SidecarKind(*f.sidecar)
	if *f.mesh != "" || kind == fixtures.Builtin {
		return nil
	}
	for _, m := range modes {
		if !m.Client() && !m.Server() {
			continue
		}
		if err := proxies.Carries(proxies.Kind(kind), proto); err != nil {
			return usagef("-mode %s with -sidecar %s: %v", m, kind, err)
		}
	}
	return nil
}

// checkSidecar checks -sidecar, -sidecar-image and -mesh together.
func (f *fixtureFlags) checkSidecar(set map[string]bool) error {
	fx, kind := *f.fixture, fixtures.SidecarKind(*f.sidecar)
	if allowed := sidecarsOf[fx]; !slices.Contains(allowed, kind) {
		names := make([]string, len(allowed))
		for i, k := range allowed {
			names[i] = string(k)
		}
		return usagef("-sidecar %q: use %s with -fixture %s", *f.sidecar, strings.Join(names, ", "), fx)
	}
	switch {
	case *f.mesh != "" && !slices.Contains(meshNames, *f.mesh):
		return usagef("-mesh %q: use istio, linkerd or fsm", *f.mesh)
	case *f.mesh != "" && (set["sidecar"] || set["sidecar-image"]):
		return usagef("-mesh %s injects the mesh's proxy as the sidecars: drop -sidecar and -sidecar-image", *f.mesh)
	case *f.mesh != "" && set["mtls"]:
		return usagef("-mtls: with -mesh %s the mesh's own policy decides mTLS", *f.mesh)
	case fx == fixtureKube && kind != fixtures.Builtin && *f.sidecarImage == "":
		return usagef("-sidecar %s with -fixture kube needs -sidecar-image, the proxy's image", kind)
	case set["sidecar-image"] && kind == fixtures.Builtin:
		return usagef("-sidecar-image is for -sidecar haproxy, nginx, envoy or pipy: the built-in sidecar runs from the meshperf image")
	}
	return nil
}

// config is the fixture's part of a document's config.
func (f *fixtureFlags) config() map[string]string {
	m := map[string]string{"fixture": *f.fixture, "sidecar": *f.sidecar, "cpu_limit": f.cpu.String(),
		"mem_limit": f.mem.String(), "mtls": strconv.FormatBool(*f.mtls)}
	switch *f.fixture {
	case fixtureLocal:
		m["intercept"] = *f.intercept
	case fixtureKube:
		m["clients"] = strconv.Itoa(*f.clients)
		if *f.mesh != "" {
			m["sidecar"], m["mesh"] = "mesh", *f.mesh
			delete(m, "mtls")
		}
	}
	return m
}

// describe is the fixture's line at the top of the text output.
func (f *fixtureFlags) describe(env map[string]string) string {
	if *f.mesh != "" {
		return fmt.Sprintf("%s fixture, mesh %s, %s", *f.fixture, *f.mesh, env["isolation"])
	}
	return fmt.Sprintf("%s fixture, sidecar %s, mTLS %v, %s", *f.fixture, *f.sidecar, *f.mtls, env["isolation"])
}

// start brings up the fixture the flags name, serving modes. On error it
// returns nil, having removed what it made; a bad option is a usage error.
func (f *fixtureFlags) start(ctx context.Context, modes []fixtures.Mode) (fixtureCluster, error) {
	var c fixtureCluster
	var err error
	switch *f.fixture {
	case fixtureDocker:
		c, err = startDocker(ctx, f)
	case fixtureKube:
		c, err = startKube(ctx, f, modes)
	default:
		c, err = startLocal(ctx, f)
	}
	var bad *fixtures.InvalidError
	if errors.As(err, &bad) {
		err = usagef("-fixture %s: %v", *f.fixture, err)
	}
	return c, err
}

// startLocal brings up the local fixture.
func startLocal(ctx context.Context, f *fixtureFlags) (fixtureCluster, error) {
	opts := []local.Option{local.Sidecar(fixtures.SidecarKind(*f.sidecar)), local.MTLS(*f.mtls), local.Limits(f.cpu, f.mem),
		local.Binary(f.bin), local.Intercept(local.Interception(*f.intercept))}
	if *f.loopback {
		opts = append(opts, local.Loopback())
	}
	c, err := local.New(ctx, opts...)
	if c == nil {
		return nil, err
	}
	if err != nil { // New returns what it made even when it fails
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// fixtureFlagNames are the flags that shape a fixture, which a command
// given a URL instead refuses.
var fixtureFlagNames = []string{"sidecar", "cpu-limit", "mem-limit", "mtls", "intercept", "loopback", "mesh", "image",
	"sidecar-image", "clients", "lifetime"}
