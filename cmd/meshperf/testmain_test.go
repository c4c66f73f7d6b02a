package main

import (
	"os"
	"testing"
)

// asCommandEnv, set to 1 in the environment, makes this package's test
// binary run as the meshperf command instead of running its tests.
const asCommandEnv = "MESHPERF_TEST_AS_COMMAND"

// TestMain lets the test binary stand in for the meshperf command. Tests
// that need meshperf processes (the local fixture's app and sidecars) use
// selfAsMeshperf instead of building the command: a build has its own
// configuration (no race detector), so on a cold cache it compiled the
// whole dependency graph again, Kubernetes client included, inside the test.
func TestMain(m *testing.M) {
	if os.Getenv(asCommandEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
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
