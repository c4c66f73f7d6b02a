package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
)

func TestProbePrintsStatusAndHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Meshperf-Path", "client-sidecar,server-sidecar,app")
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	rep := probeOK(t, srv.URL+"/x")
	if rep.Status != http.StatusTeapot || rep.Headers["X-Meshperf-Path"] != "client-sidecar,server-sidecar,app" || rep.URL != srv.URL+"/x" {
		t.Errorf("report %+v", rep)
	}
}

func TestProbeFailures(t *testing.T) {
	// A server that accepts and never answers: the timeout bounds the probe.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	code, _, stderr := runCLI(t, "probe", "-timeout", "300ms", "http://"+ln.Addr().String()+"/")
	if code != exitFail || !strings.Contains(stderr, ln.Addr().String()) || time.Since(start) > 10*time.Second {
		t.Errorf("silent server: exit %d after %v, stderr %q", code, time.Since(start), stderr)
	}

	// A refused connection exits 1 naming the URL.
	closed := "http://" + ln.Addr().String()
	ln.Close()
	if code, _, stderr := runCLI(t, "probe", closed); code != exitFail || !strings.Contains(stderr, closed) {
		t.Errorf("refused: exit %d, stderr %q", code, stderr)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "one URL"},
		{[]string{"probe", "a", "b"}, "one URL"},
		{[]string{"probe", "https://127.0.0.1/"}, `"https://127.0.0.1/"`},
		{[]string{"probe", "127.0.0.1:80"}, `"127.0.0.1:80"`},
		{[]string{"probe", "-timeout", "0s", "http://127.0.0.1/"}, "-timeout 0s"},
		{[]string{"probe", "-timeout", "2m", "http://127.0.0.1/"}, "-timeout 2m0s"},
		{[]string{"probe", "-bogus", "http://127.0.0.1/"}, "-bogus"},
		{[]string{"probe", "-h2", "-grpc", "http://127.0.0.1/"}, "-h2 and -grpc"},
	} {
		if code, _, stderr := runCLI(t, tt.args...); code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 naming %s", tt.args, code, stderr, tt.want)
		}
	}
}

func TestProbeFailsWhenTheBodyDoesNotComplete(t *testing.T) {
	tests := []struct {
		name  string
		write func(c net.Conn)
		want  string
	}{
		{
			name: "body stalls",
			write: func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab")
				_, _ = io.Copy(io.Discard, c) // hold the connection open
			},
			want: "did not complete before the deadline",
		},
		{
			name: "body cut short",
			write: func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab")
			},
			want: "body of the 200 response",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			t.Cleanup(func() { ln.Close(); wg.Wait() })
			wg.Go(func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				tt.write(c)
			})
			url := "http://" + ln.Addr().String() + "/"
			code, stdout, stderr := runCLI(t, "probe", "-timeout", "300ms", url)
			if code != exitFail || !strings.Contains(stderr, url) || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %s and saying %q", code, stderr, url, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q; want no report for a failed probe", stdout)
			}
		})
	}
}

// -h2 and -grpc probe in those protocols; a gRPC answer's header metadata
// are its headers.
func TestProbeProtocols(t *testing.T) {
	srv, err := echo.New(echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for flag, want := range map[string]string{"-h2": "echo", "-grpc": ""} {
		code, stdout, stderr := runCLI(t, "probe", flag, srv.URL()+"/")
		var rep probeReport
		if code != exitOK || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Status != 200 || rep.Headers["X-Meshperf-App"] != want {
			t.Errorf("probe %s: exit %d, report %q, stderr %q; want 200 with X-Meshperf-App %q", flag, code, stdout, stderr, want)
		}
	}
}

// TestProbePrintsReport: through a proxy that adds mesh headers to the
// request, the probe prints what the echo app reported receiving, apart
// from the response headers.
func TestProbePrintsReport(t *testing.T) {
	app, err := echo.New(echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	target, _ := url.Parse(app.URL())
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Header.Set("X-Forwarded-Client-Cert", "URI=spiffe://cluster.local/ns/c/sa/default")
		r.Out.Header.Set("Authorization", "secret")
	}}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	rep := probeOK(t, srv.URL+"/?size=3")
	if got := rep.Seen["X-Forwarded-Client-Cert"]; len(got) != 1 || got[0] != "URI=spiffe://cluster.local/ns/c/sa/default" {
		t.Errorf("seen %v", rep.Seen)
	}
	if _, ok := rep.Seen["Authorization"]; ok {
		t.Errorf("seen carries a header off the allow-list: %v", rep.Seen)
	}
	for k := range rep.Headers {
		if strings.HasPrefix(k, echo.ReportPrefix) {
			t.Errorf("headers carry the report's %s", k)
		}
	}
	if rep.Headers["X-Meshperf-App"] != "echo" || rep.Headers["Content-Length"] != "3" {
		t.Errorf("headers %v", rep.Headers)
	}
}

// probeOK runs `meshperf probe url`, which must succeed, and decodes what
// it printed.
func probeOK(t *testing.T, url string) probeReport {
	t.Helper()
	code, stdout, stderr := runCLI(t, "probe", url)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep probeReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	return rep
}
