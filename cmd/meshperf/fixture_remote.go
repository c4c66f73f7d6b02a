//go:build !meshperfpod

package main

import (
	"context"
	"os"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/fixtures/docker"
	"github.com/meshperf/meshperf/fixtures/kube"
	"github.com/meshperf/meshperf/fixtures/kube/localcluster"
)

// startDocker brings up the docker fixture on the daemon DOCKER_HOST (or
// the default socket) names.
func startDocker(ctx context.Context, f *fixtureFlags) (fixtureCluster, error) {
	c, err := docker.New(ctx, docker.Sidecar(fixtures.SidecarKind(*f.sidecar)), docker.MTLS(*f.mtls),
		docker.Limits(f.cpu, f.mem), docker.Binary(f.bin))
	if c == nil { // New removes what it made when it fails
		return nil, err
	}
	return c, err
}

// startKube brings up the kube fixture in the cluster KUBECONFIG (or
// ~/.kube/config) names, with pods for modes only. The pods' image is
// -image, else $MESHPERF_IMAGE, else one built from this meshperf and
// loaded into the local cluster when that is up (make kube-up): the
// fixture's own MissingError says what to do when none of them is there.
func startKube(ctx context.Context, f *fixtureFlags, modes []fixtures.Mode) (fixtureCluster, error) {
	opts := []kube.Option{kube.Limits(f.cpu, f.mem), kube.Binary(f.bin), kube.Modes(modes...),
		kube.Clients(*f.clients), kube.Lifetime(*f.lifetime)}
	switch {
	case *f.mesh != "":
		opts = append(opts, kube.InjectMesh(map[string]func() kube.Mesh{
			"istio": kube.Istio, "linkerd": kube.Linkerd, "fsm": kube.FSM}[*f.mesh]()))
	case *f.sidecar != string(fixtures.Builtin):
		opts = append(opts, kube.ProxySidecar(fixtures.SidecarKind(*f.sidecar), *f.sidecarImage), kube.MTLS(*f.mtls))
	default:
		opts = append(opts, kube.MTLS(*f.mtls))
	}
	image := *f.image
	if image == "" {
		image = os.Getenv(kube.ImageEnv)
	}
	if image != "" {
		opts = append(opts, kube.Image(image))
	} else if lc, err := localcluster.Running(); err == nil {
		opts = append(opts, kube.LoadWith(lc))
	}
	c, err := kube.New(ctx, opts...)
	if c == nil {
		return nil, err
	}
	return c, err
}
