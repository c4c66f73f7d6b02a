package e2esuite

import (
	"strings"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
)

// A bad flag is refused before anything starts, naming the value and what
// is allowed.
func TestPickClusterRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, cluster, mesh, kubeconfig, env, want string
	}{
		{"unknown cluster", "kind", "", "", "", `-cluster "kind": the only cluster this suite creates is local`},
		{"unknown mesh", "", "cilium", "", "/k", `-mesh "cilium": want istio, linkerd or fsm`},
		{"two clusters", "local", "", "/k", "", "-cluster=local and --kubeconfig"},
		{"mesh without a cluster", "", "istio", "", "", "-mesh istio needs a cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := envconf.New()
			if tc.kubeconfig != "" {
				cfg.WithKubeconfigFile(tc.kubeconfig)
			}
			e, err := pickCluster(cfg, &teardown{}, tc.cluster, tc.mesh, tc.env)
			if err == nil || e != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("pickCluster = %v, %v; want an error containing %q", e, err, tc.want)
			}
		})
	}
}

// $KUBECONFIG stands in for --kubeconfig, as kubectl reads it.
func TestPickClusterReadsKUBECONFIG(t *testing.T) {
	cfg := envconf.New()
	e, err := pickCluster(cfg, &teardown{}, "", "", "/some/kubeconfig")
	if err != nil || e == nil || cfg.KubeconfigFile() != "/some/kubeconfig" {
		t.Fatalf("pickCluster = %v, %v, kubeconfig %q; want the environment's", e, err, cfg.KubeconfigFile())
	}
}
