// Package e2esuite is a meshperf sweep inside an e2e-framework suite
// (sigs.k8s.io/e2e-framework), the shape for teams whose end-to-end tests
// already run that way: TestMain owns the fixture through env.Setup and
// env.Finish, and a feature runs a short sweep and checks budgets on the
// feature's *testing.T.
//
// The fixture here is meshperf's local one, which needs no cluster: the
// suite runs anywhere `go test` does. To run the same feature against a
// Kubernetes cluster, bring the cluster up in Setup with fixtures/kube
// instead and store it under the same context key; the feature only sees a
// fixtures.Cluster. See README.md.
//
// The package holds only tests; nothing imports it.
package e2esuite
