//go:build kube

package sidecaroverhead

import (
	"testing"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/kube"
	"github.com/meshperf/meshperf/meshperf"
)

// kubeMesh runs the sweep on the cluster KUBECONFIG names, letting its
// installed mesh inject the sidecars, with the same 1 CPU / 512 MiB limits
// and mTLS as the local fixture. kube.Start skips the benchmark when the
// mesh is not installed, unless MESHPERF_REQUIRE names it.
func kubeMesh(s settings) (mesh, error) {
	m := map[string]func() kube.Mesh{"istio": kube.Istio, "linkerd": kube.Linkerd, "fsm": kube.FSM}[s.mesh]
	return mesh{name: s.mesh, start: func(b *testing.B) fixtures.Cluster {
		return kube.Start(b, kube.Kubeconfig(s.kubeconfig), kube.InjectMesh(m()), kube.MTLS(true),
			kube.Limits(meshperf.Core, 512*meshperf.MiB))
	}}, nil
}
