package meshperf_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fortio.org/fortio/fhttp"
	flog "fortio.org/log"

	"github.com/meshperf/meshperf/meshperf"
)

// echoProcess starts `meshperf echo` on a free loopback port in its own
// process, so that this process's CPU time is the generator's alone. It
// returns the server's URL and stops it at cleanup. The meshperf is the
// one $MESHPERF_BIN names (make builds it once for every package), or one
// built here.
func echoProcess(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("MESHPERF_BIN")
	if bin == "" {
		bin = filepath.Join(tb.TempDir(), "meshperf")
		build := exec.Command("go", "build", "-tags", "meshperfpod", "-trimpath", "-o", bin, "github.com/meshperf/meshperf/cmd/meshperf")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // the fixtures' build: one entry in the build cache
		if out, err := build.CombinedOutput(); err != nil {
			tb.Fatalf("go build ./cmd/meshperf: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(bin, "echo", "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("meshperf echo did not say where it listens: %v", err)
	}
	_, url, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if !ok {
		tb.Fatalf("meshperf echo said %q", line)
	}
	return url + "/"
}

// cpuTime returns the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runFortio drives url closed loop with fortio's periodic runner and its
// fast HTTP/1.1 client, and returns how many requests it sent.
func runFortio(tb testing.TB, url string, threads int, d time.Duration) int64 {
	return runFortioAt(tb, url, threads, -1, d) // -1: as fast as possible
}

// runFortioAt is runFortio at a rate, with fortio's uniform start.
func runFortioAt(tb testing.TB, url string, threads int, qps float64, d time.Duration) int64 {
	tb.Helper()
	o := fhttp.HTTPRunnerOptions{}
	o.URL = url
	o.QPS = qps
	o.NumThreads = threads
	o.Duration = d
	o.Out = io.Discard
	o.Uniform = true
	res, err := fhttp.RunHTTPTest(&o)
	if err != nil {
		tb.Fatal(err)
	}
	return res.DurationHistogram.Count
}

// BenchmarkClosedLoopVsFortio measures requests per generator CPU-second,
// closed loop with 16 connections against the same echo process, for
// meshperf and for fortio's periodic runner with its fast client,
// alternating in one run. x-fortio is meshperf's figure over fortio's.
// BenchmarkGeneratorProcessClosedLoop measures the same in separate
// processes, against wrk too.
func BenchmarkClosedLoopVsFortio(b *testing.B) {
	flog.SetLogLevelQuiet(flog.Error)
	url := echoProcess(b)
	const (
		conc = 16
		d    = 2 * time.Second
	)
	var mpReq, fReq int64
	var mpCPU, fCPU time.Duration
	runMeshperf := func() {
		c0 := cpuTime()
		res, err := meshperf.RunContext(context.Background(), meshperf.URL(url), meshperf.QPS(0),
			meshperf.Concurrency(conc), meshperf.Duration(d), meshperf.Warmup(0))
		if err != nil {
			b.Fatal(err)
		}
		mpCPU += cpuTime() - c0
		mpReq += res.Requests
	}
	runTheirs := func() {
		c0 := cpuTime()
		fReq += runFortio(b, url, conc, d)
		fCPU += cpuTime() - c0
	}
	i := 0
	for b.Loop() {
		// Alternate which goes first, so neither always meets a cold server.
		if i%2 == 0 {
			runMeshperf()
			runTheirs()
		} else {
			runTheirs()
			runMeshperf()
		}
		i++
	}
	mp := float64(mpReq) / mpCPU.Seconds()
	f := float64(fReq) / fCPU.Seconds()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(mp, "meshperf-req/cpu-s")
	b.ReportMetric(f, "fortio-req/cpu-s")
	b.ReportMetric(mp/f, "x-fortio")
}

// BenchmarkGeneratorCPUAt1000QPS reports the generator's CPU use, as a
// percentage of one core, at 1000 QPS open loop with 16 connections, for
// meshperf and, in the same run, for fortio's periodic runner. Both run in
// this process, and each is charged whatever the process does during its
// window; BenchmarkGeneratorProcessAt1000QPS charges each its own process.
func BenchmarkGeneratorCPUAt1000QPS(b *testing.B) {
	flog.SetLogLevelQuiet(flog.Error)
	url := echoProcess(b)
	const d = 5 * time.Second
	var mpCPU, fCPU, wall time.Duration
	for b.Loop() {
		c0 := cpuTime()
		if _, err := meshperf.RunContext(context.Background(), meshperf.URL(url), meshperf.QPS(1000),
			meshperf.Concurrency(16), meshperf.Duration(d), meshperf.Warmup(0)); err != nil {
			b.Fatal(err)
		}
		c1 := cpuTime()
		mpCPU += c1 - c0
		runFortioAt(b, url, 16, 1000, d)
		fCPU += cpuTime() - c1
		wall += d
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(100*mpCPU.Seconds()/wall.Seconds(), "meshperf-cpu-%")
	b.ReportMetric(100*fCPU.Seconds()/wall.Seconds(), "fortio-cpu-%")
}

// BenchmarkHeap64Workers60s reports the peak live heap of a 64-worker,
// 60-second run at 1000 QPS, sampled every 50 ms.
func BenchmarkHeap64Workers60s(b *testing.B) {
	url := echoProcess(b)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		metrics.Read(sample)
		base := sample[0].Value.Uint64()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					metrics.Read(sample)
					if v := sample[0].Value.Uint64(); v > peak {
						peak = v
					}
				}
			}
		})
		_, err := meshperf.RunContext(context.Background(), meshperf.URL(url), meshperf.QPS(1000),
			meshperf.Concurrency(64), meshperf.Duration(60*time.Second), meshperf.Warmup(0))
		cancel()
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(base), "heap-before-B")
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(peak), "peak-heap-B")
}
