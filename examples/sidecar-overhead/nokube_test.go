//go:build !kube

package sidecaroverhead

import "fmt"

// kubeMesh, without the kube build tag, explains how to get the kube
// variant: the Kubernetes client libraries stay out of the default build.
func kubeMesh(s settings) (mesh, error) {
	return mesh{}, fmt.Errorf("MESH=%s runs on Kubernetes: add -tags kube (go test -tags kube -bench . ./examples/sidecar-overhead)", s.mesh)
}
