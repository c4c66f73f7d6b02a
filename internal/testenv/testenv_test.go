package testenv

import "testing"

func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		env, component string
		want           bool
	}{
		{"", "haproxy", false},
		{"all", "envoy", true},
		{"root,haproxy,nginx", "nginx", true},
		{"root, haproxy", "haproxy", true},
		{"root,haproxy,nginx", "envoy", false},
	} {
		t.Setenv("MESHPERF_REQUIRE", tt.env)
		if got := Required(tt.component); got != tt.want {
			t.Errorf("MESHPERF_REQUIRE=%q: Required(%q) = %v, want %v", tt.env, tt.component, got, tt.want)
		}
	}
}
