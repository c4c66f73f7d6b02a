package meshperf_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	flog "fortio.org/log"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// The benchmarks in this file run every generator in a process of its own
// and charge it the whole process's CPU time (user + system, from wait4),
// as /usr/bin/time does: start-up, the runtime's GC and timers, and
// everything else the process does, not only the window of the run. Each
// round runs the generators one after another against the same echo
// process and the order rotates between rounds, so that no generator
// always meets a cold server. The same figures by hand, on an echo server
// at URL (`meshperf echo -addr 127.0.0.1:8080`):
//
//	/usr/bin/time -f '%U user %S sys' meshperf load -qps 0 -c 16 -t 2s -warmup 0 URL
//	/usr/bin/time -f '%U user %S sys' wrk -t1 -c16 -d2s URL
//
// and for fortio's runner, which has no command of its own here, this test
// binary as its process:
//
//	go test -c -o /tmp/mp.test ./meshperf
//	MESHPERF_BENCH_GEN=fortio MESHPERF_BENCH_URL=URL MESHPERF_BENCH_QPS=1000 \
//	  MESHPERF_BENCH_CONC=4 MESHPERF_BENCH_DUR=5s \
//	  /usr/bin/time -f '%U user %S sys' /tmp/mp.test -test.run '^TestGeneratorChild$'

// genEnv names the environment of a generator child process.
const genEnv = "MESHPERF_BENCH_GEN"

// genRun is one generator process's run and what it cost.
type genRun struct {
	requests int64
	lagP50   time.Duration // meshperf open loop only
	cpu      time.Duration // the whole process: user + system
	peakRSS  int64         // the process's peak resident set, in bytes
}

// TestGeneratorChild is the body of a generator process started by the
// benchmarks below: it runs one generator and prints what it sent.
func TestGeneratorChild(t *testing.T) {
	testenv.HelperProcess(t, genEnv, "BenchmarkGeneratorProcess*")
	url := os.Getenv("MESHPERF_BENCH_URL")
	qps, err1 := strconv.ParseFloat(os.Getenv("MESHPERF_BENCH_QPS"), 64)
	conc, err2 := strconv.Atoi(os.Getenv("MESHPERF_BENCH_CONC"))
	d, err3 := time.ParseDuration(os.Getenv("MESHPERF_BENCH_DUR"))
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("MESHPERF_BENCH_QPS, _CONC or _DUR: %v", err)
	}
	var line string
	switch gen := os.Getenv(genEnv); gen {
	case "meshperf", "meshperf-h2":
		opts := []meshperf.Option{meshperf.QPS(qps), meshperf.Concurrency(conc),
			meshperf.Duration(d), meshperf.Warmup(0)}
		if gen == "meshperf-h2" {
			opts = append(opts, meshperf.WithProtocol(meshperf.H2C))
		}
		res, err := meshperf.RunContext(context.Background(), meshperf.URL(url), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if n := res.StatusCodes[200]; n != res.Requests || n == 0 {
			t.Fatalf("%d of %d requests answered 200: %v %v", n, res.Requests, res.StatusCodes, res.TransportErrors)
		}
		line = fmt.Sprintf("requests=%d lag-p50-ns=%d", res.Requests, res.SendLag.P50)
	case "fortio":
		flog.SetLogLevelQuiet(flog.Error)
		if qps == 0 {
			qps = -1 // fortio's "as fast as possible"
		}
		n := runFortioAt(t, url, conc, qps, d)
		line = fmt.Sprintf("requests=%d lag-p50-ns=0", n)
	default:
		t.Fatalf("%s=%q: want meshperf, meshperf-h2 or fortio", genEnv, gen)
	}
	fmt.Println("generator-result " + line)
}

var genResultRE = regexp.MustCompile(`generator-result requests=(\d+) lag-p50-ns=(\d+)`)

// goGenerator runs generator gen (see TestGeneratorChild) in a child
// process of this test binary.
func goGenerator(tb testing.TB, gen, url string, qps float64, conc int, d time.Duration) genRun {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestGeneratorChild$", "-test.count", "1")
	cmd.Env = append(os.Environ(), genEnv+"="+gen, "MESHPERF_BENCH_URL="+url,
		"MESHPERF_BENCH_QPS="+strconv.FormatFloat(qps, 'g', -1, 64),
		"MESHPERF_BENCH_CONC="+strconv.Itoa(conc), "MESHPERF_BENCH_DUR="+d.String())
	out := runProcess(tb, cmd)
	m := genResultRE.FindSubmatch(out.stdout)
	if m == nil {
		tb.Fatalf("%s: no result line in its output:\n%s", gen, out.stdout)
	}
	out.requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	lag, _ := strconv.ParseInt(string(m[2]), 10, 64)
	out.lagP50 = time.Duration(lag)
	return out.genRun
}

type processRun struct {
	genRun
	stdout []byte
}

// runProcess runs cmd to its end, bounded to two minutes, and returns its
// output and its whole CPU time. A failed process fails tb.
func runProcess(tb testing.TB, cmd *exec.Cmd) processRun {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	if err != nil {
		tb.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	ps := cmd.ProcessState
	g := genRun{cpu: ps.UserTime() + ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		g.peakRSS = ru.Maxrss << 10 // Linux counts it in KiB
	}
	return processRun{genRun: g, stdout: stdout.Bytes()}
}

var (
	wrkRequestsRE    = regexp.MustCompile(`(\d+) requests in `)
	h2loadRequestsRE = regexp.MustCompile(`requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
)

// peerGenerator runs wrk (HTTP/1.1) or h2load (h2c) closed loop with one
// thread and conc connections.
func peerGenerator(tb testing.TB, gen, url string, conc int, d time.Duration) genRun {
	tb.Helper()
	secs := strconv.Itoa(int(d / time.Second))
	var cmd *exec.Cmd
	switch gen {
	case "wrk":
		cmd = exec.Command("wrk", "-t1", "-c"+strconv.Itoa(conc), "-d"+secs+"s", url)
	case "h2load":
		cmd = exec.Command("h2load", "-t1", "-c"+strconv.Itoa(conc), "-m1", "-D", secs, url)
	}
	out := runProcess(tb, cmd)
	s := string(out.stdout)
	switch gen {
	case "wrk":
		m := wrkRequestsRE.FindStringSubmatch(s)
		if m == nil || strings.Contains(s, "Non-2xx") || strings.Contains(s, "Socket errors") {
			tb.Fatalf("wrk: no request count, or failed requests:\n%s", s)
		}
		out.requests, _ = strconv.ParseInt(m[1], 10, 64)
	case "h2load":
		m := h2loadRequestsRE.FindStringSubmatch(s)
		if m == nil || m[2] != "0" || m[3] != "0" || m[4] != "0" {
			tb.Fatalf("h2load: no request count, or failed requests:\n%s", s)
		}
		out.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if out.requests == 0 {
		tb.Fatalf("%s sent no request:\n%s", gen, s)
	}
	return out.genRun
}

// needTool skips (or fails, when required) unless the command is on PATH.
func needTool(tb testing.TB, name string) {
	tb.Helper()
	_, err := exec.LookPath(name)
	testenv.Need(tb, name, err)
}

// rounds runs each of the named runs once per b.Loop iteration, rotating
// the order, and returns every run's figures by name.
func rounds(b *testing.B, names []string, run func(name string) genRun) map[string][]genRun {
	got := map[string][]genRun{}
	i := 0
	for b.Loop() {
		for j := range names {
			name := names[(i+j)%len(names)]
			got[name] = append(got[name], run(name))
		}
		i++
	}
	return got
}

// median returns the median of v, which it sorts.
func median(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// medianOf returns the median of f over runs.
func medianOf(runs []genRun, f func(genRun) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return median(v)
}

// medianRatio is the median over rounds of a's figure over b's, round by
// round: the figure that the alternation makes fair under shared CPUs.
func medianRatio(a, b []genRun, f func(genRun) float64) float64 {
	v := make([]float64, len(a))
	for i := range a {
		v[i] = f(a[i]) / f(b[i])
	}
	return median(v)
}

func perCPUSecond(g genRun) float64 { return float64(g.requests) / g.cpu.Seconds() }

// BenchmarkGeneratorProcessClosedLoop reports requests per generator
// CPU-second, closed loop, 16 connections, HTTP/1.1 keep-alive, for
// meshperf, fortio's runner with its fast client, and wrk with one thread,
// each in its own process against the same echo process, 2 s a run. The
// ratios are medians of round-by-round ratios; run it with -benchtime 5x
// or more.
func BenchmarkGeneratorProcessClosedLoop(b *testing.B) {
	needTool(b, "wrk")
	url := echoProcess(b)
	const conc, d = 16, 2 * time.Second
	got := rounds(b, []string{"meshperf", "fortio", "wrk"}, func(name string) genRun {
		if name == "wrk" {
			return peerGenerator(b, name, url, conc, d)
		}
		return goGenerator(b, name, url, 0, conc, d)
	})
	b.ReportMetric(0, "ns/op")
	for _, name := range []string{"meshperf", "fortio", "wrk"} {
		b.ReportMetric(medianOf(got[name], perCPUSecond), name+"-req/cpu-s")
	}
	b.ReportMetric(medianRatio(got["meshperf"], got["wrk"], perCPUSecond), "x-wrk")
	b.ReportMetric(medianRatio(got["meshperf"], got["fortio"], perCPUSecond), "x-fortio")
}

// BenchmarkGeneratorProcessClosedLoopH2 is the closed-loop figure over h2c
// (prior knowledge, one stream at a time on each of 16 connections) for
// meshperf and h2load with one thread.
func BenchmarkGeneratorProcessClosedLoopH2(b *testing.B) {
	needTool(b, "h2load")
	url := echoProcess(b)
	const conc, d = 16, 2 * time.Second
	got := rounds(b, []string{"meshperf-h2", "h2load"}, func(name string) genRun {
		if name == "h2load" {
			return peerGenerator(b, name, url, conc, d)
		}
		return goGenerator(b, name, url, 0, conc, d)
	})
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(medianOf(got["meshperf-h2"], perCPUSecond), "meshperf-req/cpu-s")
	b.ReportMetric(medianOf(got["h2load"], perCPUSecond), "h2load-req/cpu-s")
	b.ReportMetric(medianRatio(got["meshperf-h2"], got["h2load"], perCPUSecond), "x-h2load")
}

// BenchmarkGeneratorProcessAt1000QPS reports the whole generator process's
// CPU, in cores, at 1000 QPS open loop for 5 s, with 4 and with 16
// connections, for meshperf and fortio's runner in the same run, and
// meshperf's send lag p50. wrk has no open loop.
func BenchmarkGeneratorProcessAt1000QPS(b *testing.B) {
	url := echoProcess(b)
	const d = 5 * time.Second
	for _, conc := range []int{4, 16} {
		b.Run("conns="+strconv.Itoa(conc), func(b *testing.B) {
			got := rounds(b, []string{"meshperf", "fortio"}, func(name string) genRun {
				return goGenerator(b, name, url, 1000, conc, d)
			})
			cores := func(g genRun) float64 { return g.cpu.Seconds() / d.Seconds() }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(medianOf(got["meshperf"], cores), "meshperf-cores")
			b.ReportMetric(medianOf(got["fortio"], cores), "fortio-cores")
			b.ReportMetric(medianRatio(got["meshperf"], got["fortio"], cores), "x-fortio")
			b.ReportMetric(medianOf(got["meshperf"], func(g genRun) float64 { return float64(g.lagP50) }), "meshperf-lag-p50-ns")
		})
	}
}

// BenchmarkGeneratorProcessScale is the scaling curve: meshperf's whole
// process CPU per request and its peak resident set against the number of
// connections, from 1 to 10,000, at 2000 QPS open loop for 5 s (10,000
// requests, so that at 10,000 connections each one is dialled and used
// once). Every connection is a socket and a timerfd.
func BenchmarkGeneratorProcessScale(b *testing.B) {
	testenv.Long(b, "opens up to 10,000 connections")
	url := echoProcess(b)
	const qps, d = 2000, 5 * time.Second
	for _, conc := range []int{1, 10, 100, 1000, 10000} {
		b.Run("conns="+strconv.Itoa(conc), func(b *testing.B) {
			got := rounds(b, []string{"meshperf"}, func(name string) genRun {
				return goGenerator(b, name, url, qps, conc, d)
			})["meshperf"]
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(medianOf(got, func(g genRun) float64 { return float64(g.cpu.Microseconds()) / float64(g.requests) }), "cpu-us/req")
			b.ReportMetric(medianOf(got, func(g genRun) float64 { return float64(g.peakRSS) / (1 << 20) }), "peak-rss-MiB")
		})
	}
}
