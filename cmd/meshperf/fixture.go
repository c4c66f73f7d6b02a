package main

import (
	"context"
	"errors"
	"flag"
	"os"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
)

// localFlags are the flags that shape the local fixture, shared by the
// commands that bring one up (sweep, capacity).
type localFlags struct {
	sidecar, cpuLimit, memLimit, intercept *string
	mtls, loopback                         *bool

	// Set by options.
	cpu meshperf.CPU
	mem meshperf.Bytes
}

func addLocalFlags(fs *flag.FlagSet) *localFlags {
	return &localFlags{
		sidecar:   fs.String("sidecar", string(local.DefaultSidecar), "sidecar: builtin, haproxy, nginx, envoy or pipy"),
		cpuLimit:  fs.String("cpu-limit", "1", "each sidecar's CPU limit in cores or millicores (500m); 0 = none"),
		memLimit:  fs.String("mem-limit", "512Mi", "each sidecar's memory limit (512Mi); 0 = none"),
		mtls:      fs.Bool("mtls", true, "mutual TLS between the sidecars"),
		intercept: fs.String("intercept", string(local.Ports), "how traffic reaches the sidecars: ports (explicit) or iptables (REDIRECT, as istio-init)"),
		loopback:  fs.Bool("loopback", false, "run on 127.0.0.1 without namespaces or cgroups, even as root"),
	}
}

// options checks the flags (usage errors name the flag) and returns the
// fixture's options. The pods run this binary, unless MESHPERF_BIN names
// another (as tests do: their own executable is the test binary).
func (f *localFlags) options() ([]local.Option, error) {
	switch fixtures.SidecarKind(*f.sidecar) {
	case fixtures.Builtin, fixtures.HAProxy, fixtures.Nginx, fixtures.Envoy, fixtures.Pipy:
	default:
		return nil, usagef("-sidecar %q: use builtin, haproxy, nginx, envoy or pipy", *f.sidecar)
	}
	switch local.Interception(*f.intercept) {
	case local.Ports, local.IPTables:
	default:
		return nil, usagef("-intercept %q: use ports or iptables", *f.intercept)
	}
	var err error
	if f.cpu, err = meshperf.ParseCPU(*f.cpuLimit); err != nil {
		return nil, usagef("-cpu-limit %v", err)
	}
	if f.mem, err = meshperf.ParseBytes(*f.memLimit); err != nil {
		return nil, usagef("-mem-limit %v", err)
	}
	self := os.Getenv("MESHPERF_BIN")
	if self == "" {
		if self, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	opts := []local.Option{local.Sidecar(fixtures.SidecarKind(*f.sidecar)), local.MTLS(*f.mtls), local.Limits(f.cpu, f.mem),
		local.Binary(self), local.Intercept(local.Interception(*f.intercept))}
	if *f.loopback {
		opts = append(opts, local.Loopback())
	}
	return opts, nil
}

// startLocal brings up the local fixture. On error it returns nil (New has
// removed what it made; Close on nil is a no-op); a bad option is a usage
// error.
func startLocal(ctx context.Context, opts []local.Option) (*local.Cluster, error) {
	cluster, err := local.New(ctx, opts...)
	if err != nil {
		var bad *local.InvalidError
		if errors.As(err, &bad) {
			return cluster, usagef("%v", err)
		}
	}
	return cluster, err
}
