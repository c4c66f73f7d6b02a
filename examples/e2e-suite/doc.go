// Package e2esuite is a meshperf sweep inside an e2e-framework suite
// (sigs.k8s.io/e2e-framework), the shape for teams whose end-to-end tests
// already run that way: TestMain picks the cluster from its flags and the
// environment and owns the fixture through env.Setup and env.Finish, and a
// feature runs a short sweep and checks budgets on the feature's
// *testing.T.
//
// The cluster is one of three: with -cluster=local the suite creates this
// machine's own Kubernetes in Setup (envfuncs.CreateCluster) and destroys
// it in Finish; with --kubeconfig or $KUBECONFIG it uses that cluster
// through envconf; with neither it runs meshperf's local fixture, which
// needs no cluster. -mesh injects an installed mesh's proxies. The feature
// is the same code on all three: it sees a fixtures.Cluster. See README.md.
//
// The package holds only tests; nothing imports it.
package e2esuite
