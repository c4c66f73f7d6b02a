package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

var reportConcurrency = []int{2, 4, 8, 16, 32, 64}

// reportSweep writes a sweep document of modes baseline and both at every
// reportConcurrency step; only "both" has sidecars.
func reportSweep(t *testing.T, name, sidecar string) string {
	t.Helper()
	var steps []*meshperf.Result
	for _, mode := range []string{"baseline", "both"} {
		for _, c := range reportConcurrency {
			p50 := 200*time.Microsecond + time.Duration(c)*10*time.Microsecond
			r := &meshperf.Result{
				Labels: map[string]string{"mode": mode, "sidecar": sidecar}, Concurrency: c, RequestedQPS: 1000,
				ActualQPS: 1000, Requests: 1000, StatusCodes: map[int]int64{200: 1000},
			}
			if mode == "both" {
				p50 += 300 * time.Microsecond
				r.Resources = map[string]meshperf.Resources{
					"client-sidecar": {CPUMean: meshperf.CPU(10*c) * meshperf.Millicore, WorkingSetMax: 40 * meshperf.MiB},
					"server-sidecar": {CPUMean: meshperf.CPU(12*c) * meshperf.Millicore, WorkingSetMax: 42 * meshperf.MiB},
					"app":            {CPUMean: 50 * meshperf.Millicore, WorkingSetMax: 20 * meshperf.MiB},
				}
			}
			r.Latency = latency.Summary{Count: 1000, P50: p50, P90: 2 * p50, P99: 5 * p50, P999: 10 * p50, Max: 20 * p50}
			steps = append(steps, r)
		}
	}
	return writeJSON(t, name, sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Steps: steps,
		Environment: map[string]string{"fixture": "local", "kernel": "<b>6.1</b>"},
		Config:      map[string]string{"sidecar": sidecar, "concurrency": "2,4,8,16,32,64"}})
}

// reportCLI runs `meshperf report args...` and returns its exit code.
func reportCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = exitCode("report", runReport(t.Context(), args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

// renderReport runs the command on files and returns the page.
func renderReport(t *testing.T, files ...string) (path string, page []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := reportCLI(t, append([]string{"-o", path}, files...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, page
}

// reportDoc is what a test reads back from a page.
type reportDoc struct {
	points   map[string]map[string]int // chart title → series → points
	rows     int                       // overhead table body rows
	scripts  int
	external []string // src or href attributes holding an http(s) URL
	bold     int      // <b> elements: escaping failed if any
}

func parseReport(t *testing.T, page []byte) reportDoc {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	d := reportDoc{points: map[string]map[string]int{}}
	var walk func(n *html.Node, chart string, inOverhead bool)
	walk = func(n *html.Node, chart string, inOverhead bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "figure" && hasClass(n, "chart"):
				chart = attr(n, "data-title")
				d.points[chart] = map[string]int{}
			case n.Data == "circle" && hasClass(n, "pt"):
				d.points[chart][attr(n, "data-series")]++
			case n.Data == "table" && hasClass(n, "overhead"):
				inOverhead = true
			case n.Data == "tr" && inOverhead && n.Parent != nil && n.Parent.Data == "tbody":
				d.rows++
			case n.Data == "script":
				d.scripts++
			case n.Data == "b":
				d.bold++
			}
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") && (strings.Contains(a.Val, "http://") || strings.Contains(a.Val, "https://")) {
					d.external = append(d.external, a.Key+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chart, inOverhead)
		}
	}
	walk(root, "", false)
	return d
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

var (
	latencyCharts  = []string{"p50 latency", "p90 latency", "p99 latency", "p99.9 latency"}
	resourceCharts = []string{"client-sidecar CPU (mean)", "server-sidecar CPU (mean)",
		"client-sidecar memory (working set max)", "server-sidecar memory (working set max)"}
)

func TestReport(t *testing.T) {
	single := writeJSON(t, "single.json", &meshperf.Result{
		Labels: map[string]string{"mode": "both"}, Concurrency: 16, Requests: 10,
		Latency: latency.Summary{Count: 10, P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 3 * time.Millisecond, P999: 4 * time.Millisecond},
	})
	n := len(reportConcurrency)
	tests := []struct {
		name        string
		files       []string
		wantLatency map[string]int // series → points in every latency chart
		wantRes     map[string]int // series → points in every resource chart; nil: no resource charts
		wantRows    int
	}{
		{
			name:        "one sidecar",
			files:       []string{reportSweep(t, "envoy.json", "envoy")},
			wantLatency: map[string]int{"baseline": n, "both": n},
			wantRes:     map[string]int{"both": n},
			wantRows:    n,
		},
		{
			name:  "two sidecars, one with markup in its name",
			files: []string{reportSweep(t, "envoy.json", "envoy"), reportSweep(t, "bold.json", "<b>nginx</b>")},
			wantLatency: map[string]int{"baseline / envoy": n, "both / envoy": n,
				"baseline / <b>nginx</b>": n, "both / <b>nginx</b>": n},
			wantRes:  map[string]int{"both / envoy": n, "both / <b>nginx</b>": n},
			wantRows: 2 * n,
		},
		{
			name:        "single result",
			files:       []string{single},
			wantLatency: map[string]int{"both": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := renderReport(t, tt.files...)
			d := parseReport(t, page)
			for _, c := range latencyCharts {
				if got := d.points[c]; !mapsEqual(got, tt.wantLatency) {
					t.Errorf("chart %q: points per series = %v, want %v", c, got, tt.wantLatency)
				}
			}
			for _, c := range resourceCharts {
				got, ok := d.points[c]
				if tt.wantRes == nil {
					if ok {
						t.Errorf("chart %q drawn for results without sidecars", c)
					}
					continue
				}
				if !mapsEqual(got, tt.wantRes) {
					t.Errorf("chart %q: points per series = %v, want %v", c, got, tt.wantRes)
				}
			}
			if d.rows != tt.wantRows {
				t.Errorf("overhead table has %d rows, want %d", d.rows, tt.wantRows)
			}
			if d.scripts != 0 || len(d.external) != 0 {
				t.Errorf("page has %d <script> elements and external references %q; want none", d.scripts, d.external)
			}
			if d.bold != 0 {
				t.Errorf("page has %d <b> elements: markup in the input was not escaped", d.bold)
			}
		})
	}
}

func TestReportEscapesText(t *testing.T) {
	_, page := renderReport(t, reportSweep(t, "envoy.json", "<b>envoy</b>"))
	if bytes.Contains(page, []byte("<b>")) {
		t.Error(`page holds a raw "<b>"`)
	}
	// The environment value and the config's sidecar, escaped.
	if got := bytes.Count(page, []byte("&lt;b&gt;")); got < 2 {
		t.Errorf(`page holds "&lt;b&gt;" %d times, want the environment and the config to show it escaped`, got)
	}
}

func TestReportDataValues(t *testing.T) {
	_, page := renderReport(t, reportSweep(t, "envoy.json", "envoy"))
	text := html.UnescapeString(string(page)) // html/template writes "+" as "&#43;"
	// both at concurrency 16: p50 = 200µs + 160µs + 300µs = 660µs, shown in
	// ms because the chart reaches 1.14ms at 64; client sidecar CPU 160m,
	// server sidecar 192m.
	for _, want := range []string{
		`data-series="both" data-x="16" data-y="0.66"`,
		`data-series="both" data-x="16" data-y="160"`,
		`data-series="both" data-x="16" data-y="192"`,
		`data-unit="ms"`, `data-unit="millicores"`, `data-unit="MiB"`,
		`<td>16</td><td>360µs</td><td>660µs</td><td>+300µs (+83.3%)</td>`,
		`<td>+352m</td>`, // 160m + 192m of sidecar CPU over none
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	empty := writeJSON(t, "empty.json", sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep"})
	notJSON := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(notJSON, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := reportSweep(t, "good.json", "envoy")
	out := filepath.Join(dir, "report.html")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // stderr holds this
	}{
		{"no -o", []string{good}, exitUsage, "-o is required"},
		{"no files", []string{"-o", out}, exitUsage, "no results files"},
		{"flag after files", []string{"-o", out, good, "-x"}, exitUsage, `"-x" looks like a flag`},
		{"unknown flag", []string{"-bogus", "-o", out, good}, exitUsage, "flag provided but not defined"},
		{"missing file", []string{"-o", out, good, missing}, exitUsage, missing},
		{"no steps", []string{"-o", out, empty}, exitUsage, empty},
		{"not json", []string{"-o", out, notJSON}, exitUsage, notJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := reportCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.wantCode, tt.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s written despite the error (stat: %v)", out, err)
			}
		})
	}
}

// TestReportInBrowser renders the page in headless Chromium: it must load
// from a file with the network off-limits, take a screenshot, keep every
// point in the rendered DOM, and log nothing to the console.
func TestReportInBrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		bin, err = exec.LookPath("chromium-browser")
	}
	testenv.Need(t, "chromium", err)

	path, page := renderReport(t, reportSweep(t, "envoy.json", "envoy"))
	want := bytes.Count(page, []byte(`<circle class="pt `))
	if want == 0 {
		t.Fatal("page has no points")
	}
	url := "file://" + path

	dir := t.TempDir()
	png := filepath.Join(dir, "report.png")
	runChromium(t, bin, "--screenshot="+png, "--window-size=1200,2000", url)
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 20_000 {
		t.Errorf("screenshot is %d bytes (PNG header %v); want a PNG of at least 20000 bytes", len(b), bytes.HasPrefix(b, []byte("\x89PNG")))
	}

	dom, console := runChromiumLogged(t, bin, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
	for _, line := range strings.Split(console, "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("the page logged to the console: %s", line)
		}
	}
	d := parseReport(t, dom)
	got := 0
	for _, series := range d.points {
		for _, n := range series {
			got += n
		}
	}
	if got != want {
		t.Errorf("rendered DOM has %d points, want %d", got, want)
	}
	if d.rows != len(reportConcurrency) {
		t.Errorf("rendered DOM has %d overhead rows, want %d", d.rows, len(reportConcurrency))
	}
}

// runChromium runs headless Chromium with its own profile and returns its
// standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	out, _ := runChromiumLogged(t, bin, args...)
	return out
}

// runChromiumLogged is runChromium that also returns standard error, where
// --enable-logging=stderr puts the page's console messages (":CONSOLE").
func runChromiumLogged(t *testing.T, bin string, args ...string) ([]byte, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes(), stderr.String()
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
