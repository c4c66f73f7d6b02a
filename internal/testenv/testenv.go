package testenv

import (
	"os"
	"strings"
	"testing"
)

// Every skip that goes through this package starts its message with a tag,
// so that a reader of `go test -json` (cmd/skipcheck, which CI runs) can
// tell why a test skipped without guessing from prose:
//
//	[skip component=NAME]  the machine lacks NAME (and MESHPERF_REQUIRE does not name it)
//	[skip short]           a long test under -short
//	[skip helper]          the entry point of a child process, run by its parent test
//
// A skip without a tag came from a bare tb.Skip, which the rule forbids.
const (
	TagComponent = "[skip component="
	TagShort     = "[skip short]"
	TagHelper    = "[skip helper]"
)

// Required reports whether MESHPERF_REQUIRE names component (or is "all").
func Required(component string) bool {
	for _, f := range strings.Split(os.Getenv("MESHPERF_REQUIRE"), ",") {
		if f = strings.TrimSpace(f); f == "all" || f == component {
			return true
		}
	}
	return false
}

// Need skips tb when err says that component is missing, or fails it when
// the component is required. It does nothing when err is nil.
func Need(tb testing.TB, component string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if Required(component) {
		tb.Fatalf("%s is required (MESHPERF_REQUIRE=%q) but unavailable: %v", component, os.Getenv("MESHPERF_REQUIRE"), err)
	}
	tb.Skipf("%s%s] %s is unavailable: %v", TagComponent, component, component, err)
}

// NeedRoot skips (or, when "root" is required, fails) tb unless it runs as
// root.
func NeedRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		Need(tb, "root", errNotRoot{})
	}
}

type errNotRoot struct{}

func (errNotRoot) Error() string {
	return "this test creates network namespaces and cgroups and needs root"
}

// Long skips tb under -short, saying what it would have run. `make check`
// runs with -short; `make test` and CI never do.
func Long(tb testing.TB, what string) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("%s %s; runs without -short (make test)", TagShort, what)
	}
}

// HelperProcess skips tb unless the environment variable env is set: the
// test is the entry point of a child process that its parent test starts
// with env set, and does nothing on its own. CI does not count these skips.
func HelperProcess(tb testing.TB, env, parent string) {
	tb.Helper()
	if os.Getenv(env) == "" {
		tb.Skipf("%s run as a child process by %s", TagHelper, parent)
	}
}
