package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/meshperf/meshperf/fixtures/sidecar"
)

// sidecarFlagOf maps a sidecar.ConfigError field to the flag that sets it.
var sidecarFlagOf = map[string]string{
	"Role": "-role", "Name": "-name", "Listen": "-listen", "Upstream": "-upstream",
	"UpstreamTimeout": "-upstream-timeout", "TLS.CA": "-ca", "TLS.Cert": "-cert",
	"TLS.UpstreamServerName": "-upstream-server-name",
}

func runSidecar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sidecar", stderr, "-role client|server -upstream HOST:PORT [flags]")
	role := fs.String("role", "", "client (next to the load generator) or server (next to the app); required")
	name := fs.String("name", "", "path mark appended to X-Meshperf-Via and X-Meshperf-Path (default ROLE-sidecar)")
	listen := fs.String("listen", "127.0.0.1:0", "host:port to listen on; port 0 picks a free one")
	upstream := fs.String("upstream", "", "host:port to forward to: the server sidecar, or the app; required")
	caFile := fs.String("ca", "", "run CA certificate, PEM; with -cert and -key turns mTLS on")
	certFile := fs.String("cert", "", "this sidecar's certificate, PEM, issued by the run CA")
	keyFile := fs.String("key", "", "its private key, PEM")
	serverName := fs.String("upstream-server-name", "", "client role with mTLS: the name the server sidecar's certificate must carry")
	timeout := fs.Duration("upstream-timeout", sidecar.DefaultUpstreamTimeout, "bound on each request's upstream exchange")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: sidecar takes only flags", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *role == "" {
		return usagef("-role is required: use client or server")
	}
	if *upstream == "" {
		return usagef("-upstream is required: use host:port")
	}
	if !set["name"] {
		*name = *role + "-sidecar"
	}
	if *timeout <= 0 {
		return usagef("-upstream-timeout %v: use a duration > 0", *timeout)
	}

	cfg := sidecar.Config{
		Role: sidecar.Role(*role), Name: *name, Listen: *listen, Upstream: *upstream, UpstreamTimeout: *timeout,
	}
	var missing []string
	for _, f := range []struct{ flag, value string }{{"-ca", *caFile}, {"-cert", *certFile}, {"-key", *keyFile}} {
		if f.value == "" {
			missing = append(missing, f.flag)
		}
	}
	switch len(missing) {
	case 0:
		tc, err := loadTLS(*caFile, *certFile, *keyFile)
		if err != nil {
			return err
		}
		tc.UpstreamServerName = *serverName
		cfg.TLS = tc
	case 3:
		if *serverName != "" {
			return usagef("-upstream-server-name %q needs mTLS: give -ca, -cert and -key too", *serverName)
		}
	default:
		return usagef("mTLS needs -ca, -cert and -key: missing %s", strings.Join(missing, ", "))
	}

	p, err := sidecar.New(cfg)
	var ce *sidecar.ConfigError
	if errors.As(err, &ce) {
		return sidecarUsage(ce)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "meshperf sidecar: listening on %s\n", p.Addr())
	<-ctx.Done()
	return p.Close()
}

// loadTLS reads the mTLS files; a file that cannot be used is a usage error
// that names its flag.
func loadTLS(caFile, certFile, keyFile string) (*sidecar.TLSConfig, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, usagef("-ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, usagef("-ca %s: no PEM certificate in it", caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, usagef("-cert %s / -key %s: %v", certFile, keyFile, err)
	}
	return &sidecar.TLSConfig{CA: pool, Cert: cert}, nil
}

// sidecarUsage rewrites a ConfigError in terms of the command line's flags.
func sidecarUsage(ce *sidecar.ConfigError) error {
	name := sidecarFlagOf[ce.Field]
	if name == "" {
		name = ce.Field
	}
	switch v := ce.Value.(type) {
	case nil:
		return usagef("%s is missing: %s", name, ce.Allowed)
	case string:
		if v == "" {
			return usagef("%s is missing: %s", name, ce.Allowed)
		}
		return usagef("%s %q: %s", name, v, ce.Allowed)
	default:
		return usagef("%s %v: %s", name, v, ce.Allowed)
	}
}
