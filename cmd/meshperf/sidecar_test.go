package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/fixtures/pki"
)

// sidecarCLITimeout bounds every wait in the sidecar command's tests.
const sidecarCLITimeout = 10 * time.Second

// mtlsFiles writes a run CA and the sidecars' certificates into a
// temporary directory and returns their paths.
func mtlsFiles(t *testing.T) (client, server pki.Files) {
	t.Helper()
	ca, err := pki.NewCA("meshperf-run")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []struct {
		name  string
		files *pki.Files
	}{{"client-sidecar", &client}, {"server-sidecar", &server}} {
		c, err := ca.Issue(f.name, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *f.files, err = ca.WriteFiles(dir, c); err != nil {
			t.Fatal(err)
		}
	}
	return client, server
}

func TestSidecarBadUsage(t *testing.T) {
	client, _ := mtlsFiles(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := []string{"-upstream", "127.0.0.1:8080"}
	mtls := []string{"-ca", client.CA, "-cert", client.Cert, "-key", client.Key}
	tests := []struct {
		name string
		args []string
		want string // stderr must contain this
	}{
		{name: "no role", args: up, want: "-role is required: use client or server"},
		{name: "bad role", args: append([]string{"-role", "gateway"}, up...), want: `-role "gateway": use "client" or "server"`},
		{name: "no upstream", args: []string{"-role", "client"}, want: "-upstream is required"},
		{name: "upstream without port", args: []string{"-role", "client", "-upstream", "app"}, want: `-upstream "app": use host:port`},
		{name: "upstream port 0", args: []string{"-role", "client", "-upstream", "127.0.0.1:0"}, want: `-upstream "127.0.0.1:0"`},
		{name: "listen without port", args: append([]string{"-role", "client", "-listen", "127.0.0.1"}, up...), want: `-listen "127.0.0.1": use host:port`},
		{name: "empty name", args: append([]string{"-role", "client", "-name", ""}, up...), want: "-name is missing"},
		{name: "name with a space", args: append([]string{"-role", "client", "-name", "my sidecar"}, up...), want: `-name "my sidecar"`},
		{name: "zero timeout", args: append([]string{"-role", "client", "-upstream-timeout", "0s"}, up...), want: "-upstream-timeout 0s: use a duration > 0"},
		{name: "negative timeout", args: append([]string{"-role", "client", "-upstream-timeout", "-1s"}, up...), want: "-upstream-timeout -1s"},
		{name: "timeout not a duration", args: append([]string{"-role", "client", "-upstream-timeout", "soon"}, up...), want: `invalid value "soon" for flag -upstream-timeout`},
		{name: "only -ca", args: append([]string{"-role", "client", "-ca", client.CA}, up...), want: "mTLS needs -ca, -cert and -key: missing -cert, -key"},
		{name: "no -key", args: append([]string{"-role", "client", "-ca", client.CA, "-cert", client.Cert}, up...), want: "missing -key"},
		{name: "no -ca", args: append([]string{"-role", "server", "-cert", client.Cert, "-key", client.Key}, up...), want: "missing -ca"},
		{name: "server name without mTLS", args: append([]string{"-role", "client", "-upstream-server-name", "server-sidecar"}, up...), want: `-upstream-server-name "server-sidecar" needs mTLS`},
		{name: "client mTLS without server name", args: append(append([]string{"-role", "client"}, mtls...), up...), want: "-upstream-server-name is missing"},
		{name: "server mTLS with server name", args: append(append([]string{"-role", "server", "-upstream-server-name", "app"}, mtls...), up...), want: `-upstream-server-name "app"`},
		{name: "CA file missing", args: append([]string{"-role", "server", "-ca", "/nonexistent/ca.pem", "-cert", client.Cert, "-key", client.Key}, up...), want: "-ca: open /nonexistent/ca.pem"},
		{name: "CA file not PEM", args: append([]string{"-role", "server", "-ca", notPEM, "-cert", client.Cert, "-key", client.Key}, up...), want: "-ca " + notPEM + ": no PEM certificate"},
		{name: "key is not the cert's", args: append([]string{"-role", "server", "-ca", client.CA, "-cert", client.Cert, "-key", client.CA}, up...), want: "-cert " + client.Cert + " / -key " + client.CA},
		{name: "stray argument after flags", args: append(append([]string{"-role", "client"}, up...), "now"), want: `unexpected arguments ["now"]`},
		{name: "unknown flag", args: append([]string{"-role", "client", "-mtls"}, up...), want: "flag provided but not defined: -mtls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"sidecar"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			// The flag package also prints its own parse errors, so those
			// come out twice; anything else is one line.
			if stdout != "" || strings.Count(stderr, "\n") > 2 || strings.Contains(stderr, "panic") {
				t.Errorf("want a plain message on stderr and nothing on stdout; got stdout %q, stderr %q", stdout, stderr)
			}
		})
	}
}

func TestSidecarHelp(t *testing.T) {
	code, stdout, stderr := runCLI(t, "sidecar", "-h")
	if code != exitOK || !strings.Contains(stdout+stderr, "usage: meshperf sidecar") || !strings.Contains(stderr, "-upstream-server-name") {
		t.Errorf("exit %d, output %q", code, stdout+stderr)
	}
}

// notifyWriter collects output and sends its first line on ready.
type notifyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
	sent  bool
}

func newNotifyWriter() *notifyWriter { return &notifyWriter{ready: make(chan string, 1)} }

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.ready <- line
	}
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// cliSidecar is a `meshperf sidecar` command running in the test.
type cliSidecar struct {
	addr   string
	stop   context.CancelFunc
	done   chan int // the exit code
	stdout *notifyWriter
	stderr *notifyWriter
}

// startSidecarCLI runs the sidecar command until the test ends or stop is
// called, and waits for its "listening on" line.
func startSidecarCLI(t *testing.T, args ...string) *cliSidecar {
	t.Helper()
	ctx, stop := context.WithCancel(context.WithoutCancel(t.Context()))
	s := &cliSidecar{stop: stop, done: make(chan int, 1), stdout: newNotifyWriter(), stderr: newNotifyWriter()}
	go func() { s.done <- run(ctx, append([]string{"sidecar"}, args...), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-s.done:
		case <-time.After(sidecarCLITimeout):
			t.Errorf("sidecar %v did not stop", args)
		}
	})
	const prefix = "meshperf sidecar: listening on "
	select {
	case line := <-s.stdout.ready:
		addr, ok := strings.CutPrefix(line, prefix)
		if !ok {
			t.Fatalf("first line %q, want %q", line, prefix+"ADDR")
		}
		s.addr = addr
	case code := <-s.done:
		t.Fatalf("sidecar %v exited %d before listening: %s", args, code, s.stderr.String())
	case <-time.After(sidecarCLITimeout):
		t.Fatalf("sidecar %v never said it was listening", args)
	}
	return s
}

// TestSidecarCommandForwards runs a server and a client sidecar with mTLS
// from files, sends a request through them to echo, then stops them.
func TestSidecarCommandForwards(t *testing.T) {
	client, server := mtlsFiles(t)
	app, err := echo.New(echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })

	srv := startSidecarCLI(t, "-role", "server", "-upstream", app.Addr(),
		"-ca", server.CA, "-cert", server.Cert, "-key", server.Key)
	cli := startSidecarCLI(t, "-role", "client", "-upstream", srv.addr, "-upstream-timeout", "5s",
		"-ca", client.CA, "-cert", client.Cert, "-key", client.Key, "-upstream-server-name", "server-sidecar")

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: sidecarCLITimeout}
	resp, err := hc.Get("http://" + cli.addr + "/?status=202")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Errorf("status %d, want 202", resp.StatusCode)
	}
	for _, h := range []struct{ name, want string }{
		{"X-Meshperf-Via", "client-sidecar, server-sidecar"},
		{"X-Meshperf-Path", "server-sidecar, client-sidecar"},
	} {
		if got := resp.Header.Get(h.name); got != h.want {
			t.Errorf("%s = %q, want %q", h.name, got, h.want)
		}
	}

	for _, s := range []*cliSidecar{cli, srv} {
		s.stop()
		select {
		case code := <-s.done:
			s.done <- code // for the cleanup
			if code != exitOK {
				t.Errorf("exit %d after cancel; stderr %q", code, s.stderr.String())
			}
		case <-time.After(sidecarCLITimeout):
			t.Fatal("the sidecar did not stop when its context was cancelled")
		}
		if got := s.stdout.String(); got != "meshperf sidecar: listening on "+s.addr+"\n" || s.stderr.String() != "" {
			t.Errorf("stdout %q, stderr %q; want the one listening line", got, s.stderr.String())
		}
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the command returned", s.addr)
		}
	}
}

func TestSidecarCommandListenErrorExitsOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runCLI(t, "sidecar", "-role", "server", "-listen", ln.Addr().String(), "-upstream", "127.0.0.1:8080")
	if code != exitFail || !strings.Contains(stderr, "listen on "+ln.Addr().String()) {
		t.Errorf("exit %d, stderr %q; want 1 and the listen error", code, stderr)
	}
}
