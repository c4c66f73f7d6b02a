package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// runCLIUntil runs the command line and cancels its ctx, as SIGINT does,
// after d.
func runCLIUntil(t *testing.T, d time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(d, cancel)
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// An interrupted load says so, exits 1, and leaves -json FILE as it was
// unless -partial asked for the partial result, which is then marked.
func TestLoadInterrupted(t *testing.T) {
	url := echoURL(t)
	tests := []struct {
		name      string
		partial   bool
		jsonStdio bool
	}{
		{name: "file kept"},
		{name: "partial written", partial: true},
		{name: "stdout without -partial", jsonStdio: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.json")
			const old = `{"smp_version":"v0.0.1","tool":"meshperf","steps":[]}` // an earlier, complete document
			if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"load", "-qps", "50", "-c", "2", "-t", "4s", "-warmup", "0"}
			switch {
			case tt.jsonStdio:
				args = append(args, "-json", "-")
			case tt.partial:
				args = append(args, "-partial", "-json", path)
			default:
				args = append(args, "-json", path)
			}
			start := time.Now()
			code, stdout, stderr := runCLIUntil(t, time.Second, append(args, url)...)
			if code != exitFail {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFail, stdout, stderr)
			}
			if d := time.Since(start); d > 3500*time.Millisecond {
				t.Errorf("the interrupted run took %v: it ran to its planned end", d)
			}
			text := stdout
			if tt.jsonStdio {
				text = stderr
				if strings.Contains(stdout, "smp_version") {
					t.Errorf("a partial result went to stdout without -partial:\n%s", stdout)
				}
			}
			if !strings.Contains(text, "INTERRUPTED") {
				t.Errorf("the summary does not say the run was interrupted:\n%s", text)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.partial {
				if string(b) != old {
					t.Errorf("-json file replaced without -partial: %s", b)
				}
				if !tt.jsonStdio && !strings.Contains(stderr, "-partial") {
					t.Errorf("stderr does not say how to keep the partial result: %s", stderr)
				}
				return
			}
			var res meshperf.Result
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatalf("-partial wrote %s: %v", b, err)
			}
			if !res.Interrupted || res.End.After(time.Now()) {
				t.Errorf("partial result: interrupted %v, end %v (now %v)", res.Interrupted, res.End, time.Now())
			}
			if res.ActualQPS < 35 || res.ActualQPS > 65 {
				t.Errorf("actual_qps = %.1f, want about 50 over the window it had", res.ActualQPS)
			}
		})
	}
}

// The real signals: SIGINT and SIGTERM to the built binary end a load at
// once, and it reports the run as interrupted.
func TestLoadSignals(t *testing.T) {
	bin := selfAsMeshperf(t)
	url := echoURL(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "load", "-qps", "50", "-c", "2", "-t", "30s", "-warmup", "0", url)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // some of the run; the assertions do not depend on how much
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("%v did not end the 30 s run within 15 s", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitFail {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFail, &out, &errb)
			}
			if !strings.Contains(out.String(), "INTERRUPTED") || !strings.Contains(errb.String(), "interrupted") {
				t.Errorf("output does not say interrupted\nstdout:\n%s\nstderr:\n%s", &out, &errb)
			}
		})
	}
}

// An interrupted capacity search says so, exits 1, and leaves -json alone
// without -partial.
func TestCapacityInterrupted(t *testing.T) {
	url := echoURL(t)
	for _, partial := range []bool{false, true} {
		t.Run(map[bool]string{false: "file kept", true: "partial written"}[partial], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "capacity.json")
			const old = `{"smp_version":"v0.0.1","tool":"meshperf","steps":[]}` // an earlier, complete document
			if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"capacity", "-budget", "p99<1s", "-start", "50", "-t", "2s", "-warmup", "0", "-json", path}
			if partial {
				args = append(args, "-partial")
			}
			code, stdout, stderr := runCLIUntil(t, 500*time.Millisecond, append(args, url)...)
			if code != exitFail || !strings.Contains(stdout+stderr, "interrupted") {
				t.Errorf("exit %d, want %d and a word of the interruption\nstdout:\n%s\nstderr:\n%s", code, exitFail, stdout, stderr)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if kept := string(b) == old; kept == partial {
				t.Errorf("-partial %v: file now holds %.200s", partial, b)
			}
		})
	}
}

// An interrupted sweep says so, exits 1, and writes the interrupted step to
// -json only with -partial.
func TestSweepInterrupted(t *testing.T) {
	testenv.Long(t, "brings up the local fixture")
	selfAsMeshperf(t)
	for _, partial := range []bool{false, true} {
		t.Run(map[bool]string{false: "file kept", true: "partial written"}[partial], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sweep.json")
			const old = `{"smp_version":"v0.0.1","tool":"meshperf","steps":[]}` // an earlier, complete document
			if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"sweep", "-loopback", "-mode", "baseline", "-c", "2", "-qps", "100", "-t", "5s", "-warmup", "0", "-v", "-json", path}
			if partial {
				args = append(args, "-partial")
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var stdout bytes.Buffer
			stderr := newNotifyWriter() // its first line is "step 1 of 1", printed as the step starts
			done := make(chan int, 1)
			go func() { done <- run(ctx, args, &stdout, stderr) }()
			select {
			case <-stderr.ready:
			case code := <-done:
				t.Fatalf("sweep ended (exit %d) before its step\n%s%s", code, &stdout, stderr)
			case <-time.After(60 * time.Second):
				t.Fatal("no step started within 60 s")
			}
			time.Sleep(time.Second) // part of the 5 s step; the assertions do not depend on how much
			cancel()
			var code int
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the sweep did not end within 30 s of the interruption")
			}
			if code != exitFail || !strings.Contains(stdout.String(), "INTERRUPTED") {
				t.Errorf("exit %d, want %d and INTERRUPTED\nstdout:\n%s\nstderr:\n%s", code, exitFail, &stdout, stderr)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !partial {
				if string(b) != old {
					t.Errorf("-json replaced without -partial: %.300s", b)
				}
				return
			}
			var doc struct {
				Steps []*meshperf.Result `json:"steps"`
			}
			if err := json.Unmarshal(b, &doc); err != nil || len(doc.Steps) != 1 || !doc.Steps[0].Interrupted {
				t.Errorf("-partial wrote %.300s (%v)", b, err)
			}
		})
	}
}
