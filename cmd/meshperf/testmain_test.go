package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// asCommandEnv, set to 1 in the environment, makes this package's test
// binary run as the meshperf command instead of running its tests.
const asCommandEnv = "MESHPERF_TEST_AS_COMMAND"

// TestMain lets the test binary stand in for the meshperf command, for tests
// that need a meshperf process where timing does not matter (signals):
// selfAsMeshperf. Tests whose fixtures measure use podMeshperf.
func TestMain(m *testing.M) {
	if os.Getenv(asCommandEnv) == "1" {
		main()
	}
	pod.given = os.Getenv("MESHPERF_BIN")
	code := m.Run()
	if pod.path != "" && pod.given == "" {
		os.RemoveAll(filepath.Dir(pod.path))
	}
	os.Exit(code)
}

// selfAsMeshperf makes the fixtures this test starts run the test binary as
// their meshperf, and returns its path.
func selfAsMeshperf(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(asCommandEnv, "1") // inherited by every process the fixture starts
	t.Setenv("MESHPERF_BIN", exe)
	return exe
}

// pod is the meshperf this package's tests build once for the fixtures they
// start, where timing matters: the race-built test binary would make slow
// sidecars. It is the fixtures' own build (static, -trimpath, -tags
// meshperfpod), so it shares their entry in the build cache; or the one
// $MESHPERF_BIN named when the tests started (make check and make test
// build it once for every package).
var pod struct {
	once  sync.Once
	given string
	path  string
	err   error
}

// podMeshperf makes the fixtures this test starts run that build.
func podMeshperf(t *testing.T) {
	t.Helper()
	pod.once.Do(func() {
		if pod.given != "" {
			pod.path = pod.given
			return
		}
		dir, err := os.MkdirTemp("", "meshperf-cmd-test-")
		if err != nil {
			pod.err = err
			return
		}
		pod.path = filepath.Join(dir, "meshperf")
		cmd := exec.Command("go", "build", "-tags", "meshperfpod", "-trimpath", "-o", pod.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			pod.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if pod.err != nil {
		t.Fatal(pod.err)
	}
	t.Setenv("MESHPERF_BIN", pod.path)
}
