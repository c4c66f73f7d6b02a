package sidecaroverhead

import (
	"os"
	"testing"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/local"
	"github.com/meshperf/meshperf/meshperf"
)

// A mesh is one of the things the benchmark compares: a name for the
// sub-benchmark and a way to bring up a cluster that runs it. Everything
// after start sees only fixtures.Cluster, so the same sweep runs on the
// local fixture and on Kubernetes.
type mesh struct {
	name  string
	start func(b *testing.B) fixtures.Cluster
}

// meshes returns the meshes s compares: the cluster's mesh for the kube
// variant (kubeMesh, in kube_test.go or nokube_test.go), else one local
// fixture per sidecar.
func meshes(s settings) ([]mesh, error) {
	if s.mesh != "" {
		m, err := kubeMesh(s)
		if err != nil {
			return nil, err
		}
		return []mesh{m}, nil
	}
	var out []mesh
	for _, kind := range s.sidecars {
		out = append(out, mesh{name: kind, start: func(b *testing.B) fixtures.Cluster {
			return startLocal(b, fixtures.SidecarKind(kind))
		}})
	}
	return out, nil
}

// startLocal brings up the local fixture with the article's settings: 1 CPU
// and 512 MiB per sidecar, mTLS between the sidecars. As root each pod is a
// network namespace and each sidecar a cgroup; otherwise it runs the
// loopback variant and says so. A proxy that is not installed skips the
// sub-benchmark (local.Start), unless MESHPERF_REQUIRE names it.
func startLocal(b *testing.B, kind fixtures.SidecarKind) fixtures.Cluster {
	b.Helper()
	opts := []local.Option{local.Sidecar(kind), local.MTLS(true), local.Limits(meshperf.Core, 512*meshperf.MiB)}
	if os.Geteuid() != 0 {
		b.Log("not root: running the loopback variant (every component on 127.0.0.1, CPU and memory limits not enforced)")
		opts = append(opts, local.Loopback())
	}
	return local.Start(b, opts...)
}
