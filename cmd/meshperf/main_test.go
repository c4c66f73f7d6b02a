package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/meshperf"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func echoURL(t *testing.T) string {
	t.Helper()
	srv, err := echo.New(echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URL() + "/"
}

func TestBadUsage(t *testing.T) {
	const url = "http://127.0.0.1:9/"
	tests := []struct {
		name string
		args []string
		want string // the message must contain this
	}{
		{"no command", nil, "usage: meshperf"},
		{"unknown command", []string{"lod"}, `unknown command "lod"`},
		{"no url", []string{"load"}, "url: want exactly one URL"},
		{"two urls", []string{"load", url, url}, "url: want exactly one URL"},
		{"https", []string{"load", "https://127.0.0.1/"}, "url \"https://127.0.0.1/\""},
		{"not a url", []string{"load", "127.0.0.1:8080"}, "url \"127.0.0.1:8080\""},
		{"zero concurrency", []string{"load", "-c", "0", url}, "-c 0: use 1 to 10000"},
		{"negative qps", []string{"load", "-qps", "-5", url}, "-qps -5: use 0 for closed loop"},
		{"qps not a number", []string{"load", "-qps", "fast", url}, `invalid value "fast" for flag -qps`},
		{"zero duration", []string{"load", "-t", "0s", url}, "-t 0s: use a duration in"},
		{"duration and count", []string{"load", "-t", "1s", "-n", "10", url}, "-t 1s and -n 10 exclude each other"},
		{"zero count", []string{"load", "-n", "0", url}, "-n 0: use a positive count"},
		{"negative warm-up", []string{"load", "-warmup", "-1s", url}, "-warmup -1s"},
		{"zero timeout", []string{"load", "-timeout", "0s", url}, "-timeout 0s"},
		{"bad header", []string{"load", "-H", "NoColon", url}, `-H "NoColon": want 'Name: value'`},
		{"bad header name", []string{"load", "-H", "Bad Name: x", url}, `-H "Bad Name"`},
		{"negative payload", []string{"load", "-payload-size", "-1", url}, "-payload-size -1"},
		{"h2 and grpc", []string{"load", "-h2", "-grpc", url}, "-h2 and -grpc exclude each other"},
		{"grpc with payload", []string{"load", "-grpc", "-payload-size", "3", url}, "-h2/-grpc grpc"},
		{"bad label", []string{"load", "-label", "nokey", url}, `-label "nokey"`},
		{"bad error rate", []string{"load", "-max-error-rate", "2", url}, "-max-error-rate 2"},
		{"unknown flag", []string{"load", "-bogus", url}, "flag provided but not defined: -bogus"},
		{"echo: negative delay", []string{"echo", "-delay", "-1ms"}, "-delay -1ms"},
		{"echo: negative payload", []string{"echo", "-payload-size", "-1"}, "-payload-size -1"},
		{"echo: stray argument", []string{"echo", "now"}, `unexpected arguments ["now"]`},
		{"echo: non-loopback", []string{"echo", "-addr", "0.0.0.0:0"}, "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if strings.Contains(stderr, "panic") || strings.Count(stderr, "\n") > 3 && tt.args != nil {
				t.Errorf("stderr is not one plain message: %q", stderr)
			}
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"load", "-h"}, {"echo", "-h"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK || !strings.Contains(stdout+stderr, "usage: meshperf") {
			t.Errorf("%v: exit %d, output %q", args, code, stdout+stderr)
		}
	}
}

func TestLoadPrintsASummary(t *testing.T) {
	code, stdout, stderr := runCLI(t, "load", "-qps", "500", "-c", "2", "-n", "200", "-warmup", "0", echoURL(t))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"open loop at 500 req/s", "200 requests after 0s warm-up", "requests  ", "status    200: ",
		"late ", "unsent ", "response", "service", "send lag", "p99.9"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	// Open loop: every slot is either sent or counted unsent.
	var sent, unsent int
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "requests" {
			sent, _ = strconv.Atoi(f[1])
		}
		if i := strings.Index(line, "unsent "); i >= 0 {
			unsent, _ = strconv.Atoi(strings.Fields(line[i+len("unsent "):])[0])
		}
	}
	if sent+unsent != 200 {
		t.Errorf("requests %d + unsent %d != 200:\n%s", sent, unsent, stdout)
	}
}

func TestLoadWritesJSON(t *testing.T) {
	url := echoURL(t)
	for _, proto := range []struct {
		name string
		flag []string
		want meshperf.Protocol
	}{{"http1", nil, meshperf.HTTP1}, {"h2c", []string{"-h2"}, meshperf.H2C}, {"grpc", []string{"-grpc"}, meshperf.GRPC}} {
		t.Run(proto.name, func(t *testing.T) {
			args := append([]string{"load", "-qps", "0", "-c", "4", "-n", "300", "-warmup", "0", "-label", "mode=baseline", "-json", "-"}, proto.flag...)
			code, stdout, stderr := runCLI(t, append(args, url)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var res meshperf.Result
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatalf("stdout is not a result: %v\n%s", err, stdout)
			}
			if res.Requests != 300 || res.StatusCodes[200] != 300 || res.Protocol != proto.want ||
				res.Labels["mode"] != "baseline" || res.Latency.Count != 300 || res.ResponseHist == nil {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

func TestLoadJSONFileIsWrittenAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCLI(t, "load", "-qps", "0", "-n", "50", "-warmup", "0", "-json", path, echoURL(t))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "requests  50 in") {
		t.Errorf("a -json FILE run should still print the summary; got %q", stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["smp_version"] != meshperf.SMPVersion {
		t.Errorf("file holds %v (%v)", m["smp_version"], err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the result: %v", entries)
	}
}

// refusedURL is a URL on loopback where nothing listens: a port this
// test had and let go.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + "/"
}

func TestConnectionRefusedExitsOneWithinTheRun(t *testing.T) {
	url := refusedURL(t)
	path := filepath.Join(t.TempDir(), "refused.json")
	start := time.Now()
	code, _, stderr := runCLI(t, "load", "-qps", "100", "-t", "1s", "-warmup", "0", "-json", path, url)
	if code != exitFail {
		t.Errorf("exit code = %d, want %d", code, exitFail)
	}
	if !strings.Contains(stderr, "none answered") || !strings.Contains(stderr, "connect: ") {
		t.Errorf("stderr = %q, want a plain account of refused connections", stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v for a 1 s run", d)
	}
	// The failed run's counts are still written.
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the failed run's result was not written: %v", err)
	}
}

func TestEchoServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"echo", "-addr", "127.0.0.1:0"}, pw, os.Stderr) }()
	line := make([]byte, 200)
	n, _ := pr.Read(line)
	if !strings.Contains(string(line[:n]), "listening on http://127.0.0.1:") {
		t.Errorf("echo said %q", line[:n])
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit code %d after cancel", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("echo did not stop within 10 s of cancel")
	}
}

func TestSweepBadUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "-sidecar", "linkerd"}, `-sidecar "linkerd": use builtin, haproxy`},
		{[]string{"sweep", "-intercept", "bpf"}, `-intercept "bpf": use ports or iptables`},
		{[]string{"sweep", "-mode", "meshed"}, `-mode mode "meshed"`},
		{[]string{"sweep", "-c", "0"}, `-c "0"`},
		{[]string{"sweep", "-cpu-limit", "lots"}, "-cpu-limit CPU quantity"},
		{[]string{"sweep", "-mem-limit", "12XB"}, "-mem-limit memory quantity"},
		{[]string{"sweep", "-qps", "-1"}, "-qps -1"},
		{[]string{"sweep", "extra"}, "unexpected arguments"},
		{[]string{"sweep", "-count", "0"}, "-count 0: use 1 or more"},
		{[]string{"sweep", "-seed", "-1"}, "-seed"},
		{[]string{"reap", "now"}, "unexpected arguments"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestLoadBudget(t *testing.T) {
	url := echoURL(t)
	for _, tt := range []struct {
		name   string
		budget string
		code   int
		want   string // in stderr
	}{
		{"passes", "p99<2s,err<1%", exitOK, ""},
		{"broken", "p50<1ns", exitFail, `budget "p50<1ns" broken`},
		{"bad clause", "p99<fast", exitUsage, "-budget"},
		{"unknown metric", "latency<5ms", exitUsage, "-budget"},
		{"overhead needs a baseline", "overhead_p99<2ms", exitUsage, "baseline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "load", "-qps", "0", "-c", "2", "-n", "100", "-warmup", "0", "-budget", tt.budget, url)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
			if tt.name == "broken" && !strings.Contains(stderr, "p50") {
				t.Errorf("the broken budget's message does not name the metric: %q", stderr)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, true, 3, 2*time.Second)
	p.step("mode=baseline conc=2")
	if !strings.Contains(b.String(), "step 1 of 3: mode=baseline conc=2 (about 6s left)") {
		t.Errorf("progress said %q", b.String())
	}
	var quiet strings.Builder
	q := newProgress(&quiet, false, 3, time.Second) // not a terminal, not asked
	q.step("x")
	if quiet.Len() != 0 {
		t.Errorf("progress spoke when it should be quiet: %q", quiet.String())
	}
}
