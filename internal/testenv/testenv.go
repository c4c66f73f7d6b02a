package testenv

import (
	"os"
	"strings"
	"testing"
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
	tb.Skipf("%s is unavailable: %v", component, err)
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
