package main

import (
	"strings"
	"testing"
)

// TestFixtureFlagsBadCombinations: a flag for another fixture, or a value
// the chosen fixture does not take, exits 2 before anything starts, with
// one line naming the flag and what is allowed. The same flags and checks
// serve sweep and capacity.
func TestFixtureFlagsBadCombinations(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-fixture", "vm"}, `-fixture "vm": use local, docker or kube`},
		{[]string{"-mesh", "istio"}, "-mesh is for -fixture kube only, not local"},
		{[]string{"-fixture", "docker", "-mesh", "linkerd"}, "-mesh is for -fixture kube only, not docker"},
		{[]string{"-fixture", "docker", "-intercept", "iptables"}, "-intercept is for -fixture local only, not docker"},
		{[]string{"-fixture", "kube", "-loopback"}, "-loopback is for -fixture local only, not kube"},
		{[]string{"-fixture", "docker", "-clients", "2"}, "-clients is for -fixture kube only, not docker"},
		{[]string{"-image", "registry.example/meshperf:v1"}, "-image is for -fixture kube only, not local"},
		{[]string{"-fixture", "local", "-lifetime", "1h"}, "-lifetime is for -fixture kube only, not local"},
		{[]string{"-fixture", "docker", "-sidecar", "envoy"}, `-sidecar "envoy": use builtin, haproxy, nginx with -fixture docker`},
		{[]string{"-fixture", "kube", "-mesh", "consul"}, `-mesh "consul": use istio, linkerd or fsm`},
		{[]string{"-fixture", "kube", "-mesh", "istio", "-sidecar", "haproxy"}, "-mesh istio injects the mesh's proxy as the sidecars: drop -sidecar"},
		{[]string{"-fixture", "kube", "-mesh", "linkerd", "-mtls=false"}, "-mtls: with -mesh linkerd the mesh's own policy decides mTLS"},
		{[]string{"-fixture", "kube", "-sidecar", "nginx"}, "-sidecar nginx with -fixture kube needs -sidecar-image"},
		{[]string{"-fixture", "kube", "-sidecar-image", "nginx:1"}, "-sidecar-image is for -sidecar haproxy, nginx, envoy or pipy"},
		{[]string{"-h2", "-grpc"}, "-h2 and -grpc exclude each other"},
		{[]string{"-sidecar", "nginx", "-h2", "-mode", "baseline,both"}, "-mode both with -sidecar nginx: proxies: the nginx sidecar cannot carry h2c"},
		{[]string{"-fixture", "docker", "-sidecar", "nginx", "-h2", "-mode", "server-only"}, "-mode server-only with -sidecar nginx"},
		{[]string{"-H", "novalue"}, `-H "novalue": want 'Name: value'`},
		{[]string{"-payload-size", "-1"}, "-payload-size -1"},
		{[]string{"-grpc", "-payload-size", "64"}, "-h2/-grpc grpc: gRPC health checks take no method or payload"},
	} {
		for _, cmd := range [][]string{{"sweep"}, {"capacity", "-budget", "p99<5ms"}} {
			args := append(append([]string{}, cmd...), tt.args...)
			if cmd[0] == "capacity" && !strings.Contains(strings.Join(tt.args, " "), "-fixture") {
				args = append(args, "-fixture", "local")
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", args, code, stdout, stderr, tt.want)
			}
		}
	}
}
