package sidecaroverhead

import (
	"strings"
	"testing"
	"time"
)

func TestSettingsDefaults(t *testing.T) {
	t.Setenv("MESH", "")
	s, err := settingsForTest(t, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.step != DefaultStep || s.warmup != DefaultWarmup || len(s.conc) != 6 || strings.Join(s.sidecars, ",") != DefaultMeshes {
		t.Errorf("defaults = %+v", s)
	}
	s, err = settingsForTest(t, true, map[string]string{"sidecars": "haproxy", "step": "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.step != time.Second || s.warmup != ShortWarmup || len(s.conc) != 2 || strings.Join(s.sidecars, ",") != "haproxy" {
		t.Errorf("short with -step 1s -sidecars haproxy = %+v", s)
	}
}

func TestSettingsRejectBadValues(t *testing.T) {
	for _, tc := range []struct {
		name       string
		flags      map[string]string
		mesh, kube string
		want       string // in the error
	}{
		{name: "step not a duration", flags: map[string]string{"step": "ten"}, want: `-step "ten"`},
		{name: "step too short", flags: map[string]string{"step": "1ms"}, want: `-step "1ms": use a duration from 100ms`},
		{name: "negative warmup", flags: map[string]string{"warmup": "-1s"}, want: `-warmup "-1s"`},
		{name: "zero concurrency", flags: map[string]string{"conc": "2,0"}, want: "-conc"},
		{name: "unknown sidecar", flags: map[string]string{"sidecars": "builtin,linkerd"}, want: `unknown sidecar "linkerd"`},
		{name: "sidecar twice", flags: map[string]string{"sidecars": "nginx,nginx"}, want: "nginx is listed twice"},
		{name: "report dir missing", flags: map[string]string{"report": "/nonexistent/dir/r.html"}, want: "directory /nonexistent/dir does not exist"},
		{name: "unknown mesh", mesh: "consul", kube: "/k", want: `MESH="consul": use istio, linkerd or fsm`},
		{name: "mesh without cluster", mesh: "istio", want: "MESH=istio needs KUBECONFIG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("MESH", tc.mesh)
			t.Setenv("KUBECONFIG", tc.kube)
			_, err := settingsForTest(t, false, tc.flags)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
