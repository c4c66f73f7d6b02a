// Package testenv owns one rule for meshperf's tests: a test that needs a
// component this machine lacks skips with the reason, unless
// MESHPERF_REQUIRE names that component, in which case the missing
// component is a failure. CI sets MESHPERF_REQUIRE to everything it
// installs, so that no test it is meant to run can quietly skip.
//
// MESHPERF_REQUIRE is a comma-separated list of component names ("root",
// "netns", "cgroup", "iptables", "haproxy", "nginx", "envoy", "pipy",
// "docker", ...) or "all".
package testenv
