package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

func TestLoadPrintsTheFirstErrorOfEachKind(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, stdout, stderr := runCLI(t, "load", "-qps", "200", "-n", "10", "-warmup", "0", "http://"+addr+"/")
	if code != exitFail {
		t.Errorf("exit %d; want %d", code, exitFail)
	}
	want := "connect refused: 10, first: dial tcp " + addr + ": connect: connection refused\n"
	if !strings.Contains(stdout, "status    connect refused: 10\n") || !strings.Contains(stdout, want) {
		t.Errorf("stdout:\n%s\nwant the count of refused connections and the first refusal: %q", stdout, want)
	}
	if !strings.Contains(stderr, "connect refused: 10 (first: dial tcp "+addr) {
		t.Errorf("stderr %q; want the first refusal", stderr)
	}
}

func TestErrorsLineWithoutRequests(t *testing.T) {
	tests := []struct {
		name string
		res  meshperf.Result
		want string
		not  string
	}{
		{
			name: "nothing measured",
			res:  meshperf.Result{Unsent: 7},
			want: "errors    none: no request was measured  late 0  unsent 7\n",
			not:  "%",
		},
		{
			name: "every request failed",
			res:  meshperf.Result{Requests: 4, TransportErrors: map[string]int64{"timeout": 4}},
			want: "errors    4 (100.000%)  late 0  unsent 0\n          timeout: 4\n",
		},
		{
			name: "some failed, with an example",
			res: meshperf.Result{Requests: 8, StatusCodes: map[int]int64{200: 6}, TransportErrors: map[string]int64{"reset": 2},
				ErrorExamples: map[string]string{"reset": "reset: read tcp: connection reset by peer\r\n\x1b[31m"}},
			want: "errors    2 (25.000%)  late 0  unsent 0\n          reset: 2, first: \"read tcp: connection reset by peer\\r\\n\\x1b[31m\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeSummary(&b, &tt.res, meshperf.Plan{Duration: time.Second})
			if !strings.Contains(b.String(), tt.want) || tt.not != "" && strings.Contains(b.String(), tt.not) {
				t.Errorf("summary:\n%s\nwant %q and no %q", b.String(), tt.want, tt.not)
			}
		})
	}
}

func TestMaxErrorRateFailureNamesTheFlag(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{
			name: "budget allows more than the default",
			args: []string{"-budget", "err<50%"},
			want: []string{"-max-error-rate 0.1 (the default", "-budget allows 50%", "pass -max-error-rate 0.5"},
		},
		{
			name: "no budget",
			want: []string{"-max-error-rate 0.1 (the default", "raise it, e.g. -max-error-rate 0.34", "status 500: 10"},
		},
		{
			name: "flag set",
			args: []string{"-max-error-rate", "0.2"},
			want: []string{"above -max-error-rate 0.2 (20.00%)", "raise it, e.g. -max-error-rate 0.34"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.Store(0)
			args := append([]string{"load", "-qps", "0", "-c", "1", "-n", "30", "-warmup", "0"}, tt.args...)
			code, _, stderr := runCLI(t, append(args, srv.URL+"/")...)
			if code != exitFail {
				t.Errorf("exit %d; want %d", code, exitFail)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q; want it to say %q", stderr, w)
				}
			}
			if strings.Contains(stderr, "MaxErrorRate") {
				t.Errorf("stderr %q names the library option, not the flag", stderr)
			}
		})
	}
}

// nofileChild is the environment variable under which the test binary,
// re-executed by TestLoadNamesTheOpenFilesLimit, lowers its open-files
// limit and runs the command line it holds.
const nofileChild = "MESHPERF_TEST_NOFILE_CHILD"

func TestLoadNamesTheOpenFilesLimit(t *testing.T) {
	if args := os.Getenv(nofileChild); args != "" {
		lim := syscall.Rlimit{Cur: 256, Max: 256}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			os.Stderr.WriteString("setrlimit: " + err.Error() + "\n")
			os.Exit(3)
		}
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			os.Stderr.WriteString(nofileChild + ": " + err.Error() + "\n")
			os.Exit(3)
		}
		os.Exit(run(context.Background(), argv, os.Stdout, os.Stderr))
	}
	url := echoURL(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestLoadNamesTheOpenFilesLimit$")
	argv, err := json.Marshal([]string{"load", "-qps", "0", "-c", "500", "-n", "2000", "-warmup", "0", url})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), nofileChild+"="+string(argv))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFail {
		t.Fatalf("child: %v; want exit %d\nstdout:\n%s\nstderr:\n%s", err, exitFail, stdout.String(), stderr.String())
	}
	for _, w := range []string{"local: ", ", first: too many open files (ulimit -n 256): dial tcp "} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("stdout:\n%s\nwant %q", stdout.String(), w)
		}
	}
	if !strings.Contains(stderr.String(), "too many open files (ulimit -n 256)") {
		t.Errorf("stderr:\n%s\nwant the open-files limit named", stderr.String())
	}
}
