package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileFiles writes the input files the hostile cases read, and returns
// their paths by name.
func hostileFiles(tb testing.TB) map[string]string {
	tb.Helper()
	dir := tb.TempDir()
	good, err := json.Marshal(step("both", 8, time.Millisecond, 100))
	if err != nil {
		tb.Fatal(err)
	}
	slower, err := json.Marshal(step("both", 8, 2*time.Millisecond, 100))
	if err != nil {
		tb.Fatal(err)
	}
	// A result without histograms, whose summaries are therefore read as
	// written: p99 replaced by the value under test.
	withP99 := func(v string) string {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			tb.Fatal(err)
		}
		lat := m["latencies_ms"].(map[string]any)
		lat["p99"] = json.RawMessage(v)
		b, err := json.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		return string(b)
	}
	files := map[string]string{
		"good.json":     string(good),
		"slower.json":   string(slower),
		"corrupt.json":  `{"smp_version": "v0.0.1", "latencies_ms": {`,
		"foreign.json":  `{"hello": 1}`,
		"huge-p99.json": withP99("1e13"),
		"neg-p99.json":  withP99("-5"),
		"empty.json":    "",
		"partial.json":  strings.Replace(string(good), `"interrupted":false`, `"interrupted":true`, 1),
	}
	if !strings.Contains(files["partial.json"], `"interrupted":true`) {
		tb.Fatalf("no interrupted member to set in %s", good)
	}
	paths := map[string]string{"missing.json": filepath.Join(dir, "missing.json")}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
		paths[name] = p
	}
	paths["report.html"] = filepath.Join(dir, "report.html")
	return paths
}

// TestHostileInput runs the command line on bad flags and bad inputs, as a
// new user might, and checks that each exits with the code the README's
// table gives (0 ok; 1 a run failed or a gate was crossed; 2 usage or input
// error) and says why. No case loads a target for more than a fraction of a
// second; most never dial.
func TestHostileInput(t *testing.T) {
	const closed = "http://127.0.0.1:9/" // never loaded by a usage error
	f := hostileFiles(t)
	echo := echoURL(t)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		// meshperf itself
		{name: "no command", args: nil, code: exitUsage, want: "usage: meshperf"},
		{name: "unknown command", args: []string{"lod"}, code: exitUsage, want: `unknown command "lod"`},
		{name: "help", args: []string{"help"}, code: exitOK, want: "usage: meshperf"},

		// load: rates whose interval does not fit the run
		{name: "load: qps 1e-10", args: []string{"load", "-qps", "1e-10", closed}, code: exitUsage, want: "-qps 1e-10"},
		{name: "load: qps 1e-9 for 1s", args: []string{"load", "-qps", "1e-9", "-t", "1s", closed}, code: exitUsage, want: "does not fit the 1s window"},
		{name: "load: qps 1e-5 after a warm-up", args: []string{"load", "-qps", "1e-5", "-warmup", "1s", closed}, code: exitUsage, want: "-qps 1e-05"},
		{name: "load: qps 1e-5 for one request", args: []string{"load", "-qps", "1e-5", "-warmup", "1s", "-n", "1", closed}, code: exitUsage, want: "-n 1"},
		{name: "load: qps NaN", args: []string{"load", "-qps", "NaN", closed}, code: exitUsage, want: "-qps NaN"},

		// load: headers, method and URL the client must not send
		{name: "load: Content-Length", args: []string{"load", "-H", "Content-Length: 5", closed}, code: exitUsage, want: `-H "Content-Length: 5"`},
		{name: "load: Content-Length over h2c", args: []string{"load", "-h2", "-H", "Content-Length: 5", closed}, code: exitUsage, want: `-H "Content-Length: 5"`},
		{name: "load: Transfer-Encoding", args: []string{"load", "-H", "Transfer-Encoding: chunked", closed}, code: exitUsage, want: `-H "Transfer-Encoding: chunked"`},
		{name: "load: two Hosts", args: []string{"load", "-H", "Host: a", "-H", "Host: b", closed}, code: exitUsage, want: "one Host header"},
		{name: "load: CONNECT", args: []string{"load", "-X", "CONNECT", closed}, code: exitUsage, want: "-X CONNECT"},
		{name: "load: user info", args: []string{"load", "http://me:secret@127.0.0.1:9/"}, code: exitUsage, want: "user info"},
		{name: "load: \\x01 in a value", args: []string{"load", "-H", "X-A: a\x01b", closed}, code: exitUsage, want: `"X-A: a\x01b"`},
		{name: "load: CR in a value", args: []string{"load", "-H", "X-A: a\rb", closed}, code: exitUsage, want: `"X-A: a\rb"`},
		{name: "load: LF in a value", args: []string{"load", "-H", "X-A: a\nX-Evil: 1", closed}, code: exitUsage, want: `\nX-Evil`},
		{name: "load: control character in a name", args: []string{"load", "-H", "X\x01A: b", closed}, code: exitUsage, want: `-H "X\x01A"`},

		// load: runs
		{name: "load: -n 1 at a fast rate sends one", args: []string{"load", "-qps", "10000", "-c", "1", "-n", "1", "-warmup", "0", echo}, code: exitOK, want: "requests  1 in"},
		{name: "load: connection refused", args: []string{"load", "-qps", "0", "-c", "1", "-n", "3", "-warmup", "0", closed}, code: exitFail, want: "none answered"},
		{name: "load: budget broken", args: []string{"load", "-qps", "0", "-c", "1", "-n", "3", "-warmup", "0", "-budget", "p99<1ns", echo}, code: exitFail, want: "budget"},

		// capacity
		{name: "capacity: start 1e-10", args: []string{"capacity", "-budget", "p99<5ms", "-start", "1e-10", closed}, code: exitUsage, want: "-start 1e-10"},
		{name: "capacity: no budget", args: []string{"capacity", closed}, code: exitUsage, want: "-budget is required"},
		{name: "capacity: Content-Length", args: []string{"capacity", "-budget", "p99<5ms", "-start", "1e-10", "-h2", closed}, code: exitUsage, want: "-start"},

		// sweep: every flag is checked before a fixture exists
		{name: "sweep: qps 1e-10", args: []string{"sweep", "-qps", "1e-10"}, code: exitUsage, want: "-qps 1e-10"},
		{name: "sweep: bad concurrency", args: []string{"sweep", "-c", "0"}, code: exitUsage, want: "-c"},

		// compare: a crossed gate is 1, a bad input is 2
		{name: "compare: within", args: []string{"compare", "-fail-on", "p99>+10%", f["good.json"], f["good.json"]}, code: exitOK, want: "p99"},
		{name: "compare: crossed", args: []string{"compare", "-fail-on", "p99>+10%", f["good.json"], f["slower.json"]}, code: exitFail, want: "crosses p99>+10%"},
		{name: "compare: missing old", args: []string{"compare", f["missing.json"], f["good.json"]}, code: exitUsage, want: "no such file"},
		{name: "compare: missing new, with a gate", args: []string{"compare", "-fail-on", "p99>+10%", f["good.json"], f["missing.json"]}, code: exitUsage, want: "no such file"},
		{name: "compare: corrupt", args: []string{"compare", f["corrupt.json"], f["good.json"]}, code: exitUsage, want: "corrupt.json"},
		{name: "compare: empty", args: []string{"compare", f["good.json"], f["empty.json"]}, code: exitUsage, want: "empty.json"},
		{name: "compare: foreign", args: []string{"compare", f["good.json"], f["foreign.json"]}, code: exitUsage, want: "not a meshperf result"},
		{name: "compare: p99 1e13 ms", args: []string{"compare", f["good.json"], f["huge-p99.json"]}, code: exitUsage, want: "latencies_ms.p99"},
		{name: "compare: negative p99", args: []string{"compare", f["neg-p99.json"], f["good.json"]}, code: exitUsage, want: "latencies_ms.p99"},
		{name: "compare: interrupted input", args: []string{"compare", "-fail-on", "p99>+10%", f["good.json"], f["partial.json"]}, code: exitUsage, want: "interrupted run"},
		{name: "compare: bad clause", args: []string{"compare", "-fail-on", "p95>+1%", f["good.json"], f["good.json"]}, code: exitUsage, want: "-fail-on"},
		{name: "compare: one file", args: []string{"compare", f["good.json"]}, code: exitUsage, want: "want old.json new.json"},

		// report
		{name: "report: missing input", args: []string{"report", "-o", f["report.html"], f["missing.json"]}, code: exitUsage, want: "no such file"},
		{name: "report: corrupt input", args: []string{"report", "-o", f["report.html"], f["corrupt.json"]}, code: exitUsage, want: "corrupt.json"},
		{name: "report: p99 1e13 ms", args: []string{"report", "-o", f["report.html"], f["huge-p99.json"]}, code: exitUsage, want: "latencies_ms.p99"},
		{name: "report: no -o", args: []string{"report", f["good.json"]}, code: exitUsage, want: "-o is required"},

		// probe, echo, sidecar, reap
		{name: "probe: not http", args: []string{"probe", "ftp://127.0.0.1/"}, code: exitUsage, want: "use http://"},
		{name: "probe: refused", args: []string{"probe", "-timeout", "2s", closed}, code: exitFail, want: "probe"},
		{name: "capacity: infinite -min-qps", args: []string{"capacity", "-budget", "p99<1s", "-min-qps", "Inf", "http://127.0.0.1:1/"}, code: exitUsage, want: "-min-qps +Inf"},
		{name: "echo: negative delay", args: []string{"echo", "-delay", "-1ms"}, code: exitUsage, want: "-delay -1ms"},
		{name: "sidecar: no role", args: []string{"sidecar"}, code: exitUsage, want: "-role is required"},
		{name: "reap: an argument", args: []string{"reap", "now"}, code: exitUsage, want: "reap takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.want, stdout, stderr)
			}
			if strings.ContainsAny(stderr, "\x01\r") || strings.Contains(stderr, "\nX-Evil") {
				t.Errorf("stderr prints a raw control character: %q", stderr)
			}
			if strings.Contains(stderr, "secret") {
				t.Errorf("stderr shows the URL's password: %q", stderr)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Logf("slow case: %v", d) // a report, not an assertion: the machine is shared
			}
		})
	}
}
