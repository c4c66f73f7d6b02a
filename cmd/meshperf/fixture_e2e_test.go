package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/meshperf/meshperf/fixtures/kube"
	"github.com/meshperf/meshperf/fixtures/kube/localcluster"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// twoSteps is a two-step sweep (baseline and both at one concurrency),
// with windows long enough for the Docker stats API, which publishes once a
// second, to give CPU figures.
var twoSteps = []string{"sweep", "-mode", "baseline,both", "-c", "2", "-qps", "100", "-t", "2s", "-warmup", "500ms"}

// TestSweepDockerFixture runs a two-step sweep on the docker fixture and
// on the local one, from the command line, and checks that the docker
// document has the local document's shape: the same keys at every level
// of every step, and both steps measured with their sidecars' resources.
func TestSweepDockerFixture(t *testing.T) {
	testenv.Long(t, "brings up the docker and local fixtures")
	needDocker(t)
	podMeshperf(t)
	sameShape(t, "docker")
}

// TestSweepKubeFixture is TestSweepDockerFixture on the kube fixture, in
// the cluster KUBECONFIG names (or the local one, make kube-up).
func TestSweepKubeFixture(t *testing.T) {
	testenv.Long(t, "brings up the kube and local fixtures")
	needKube(t)
	podMeshperf(t)
	sameShape(t, "kube")
}

// TestSweepKubeMeshNotInstalled: a mesh that the cluster does not have
// fails at once, naming it, before any pod exists.
func TestSweepKubeMeshNotInstalled(t *testing.T) {
	testenv.Long(t, "connects to a cluster")
	needKube(t)
	for _, mesh := range []string{"istio", "linkerd", "fsm"} {
		start := time.Now()
		code, stdout, stderr := runCLI(t, append(slices.Clone(twoSteps), "-fixture", "kube", "-mesh", mesh)...)
		if code == exitOK {
			t.Skipf("the cluster has %s installed: nothing to refuse (stdout %s)", mesh, stdout)
		}
		if code != exitFail || !strings.Contains(stderr, mesh) || !strings.Contains(stderr, "is missing") {
			t.Errorf("-mesh %s without it installed: exit %d, stderr %q; want exit 1 naming it missing", mesh, code, stderr)
		}
		t.Logf("-mesh %s refused in %v: %s", mesh, time.Since(start).Round(time.Millisecond), stderr)
	}
}

// sameShape runs the two-step sweep on fx and on the local fixture and
// compares their documents' shapes.
func sameShape(t *testing.T, fx string) {
	t.Helper()
	dir := t.TempDir()
	docs := map[string]map[string]any{}
	for _, f := range []string{fixtureLocal, fx} {
		out := filepath.Join(dir, f+".json")
		code, stdout, stderr := runCLI(t, append(slices.Clone(twoSteps), "-fixture", f, "-json", out)...)
		t.Logf("%s:\n%s", f, stdout)
		if code != exitOK {
			t.Fatalf("sweep -fixture %s: exit %d\n%s", f, code, stderr)
		}
		if !strings.Contains(stdout, "meshperf sweep: "+f+" fixture, sidecar builtin, mTLS true") {
			t.Errorf("sweep -fixture %s does not name its fixture:\n%s", f, stdout)
		}
		docs[f] = checkTwoSteps(t, f, out)
	}
	want := shape(docs[fixtureLocal], "")
	if len(want) < 50 { // a document of two steps has hundreds of paths
		t.Fatalf("the local document has only %d key paths: %v", len(want), want)
	}
	if d := diffKeys(want, shape(docs[fx], ""), fx); d != "" {
		t.Errorf("the %s document's shape differs from the local one's:\n%s", fx, d)
	}
	if c := docs[fx]["config"].(map[string]any); c["fixture"] != fx {
		t.Errorf("%s config = %v, want fixture %s", fx, c, fx)
	}
}

// checkTwoSteps reads a two-step sweep document and checks its steps:
// baseline then both, each measured, both with its sidecars' resources.
func checkTwoSteps(t *testing.T, fx, path string) map[string]any {
	t.Helper()
	doc := readDoc(t, path)
	if len(doc.Steps) != 2 {
		t.Fatalf("%s: %d steps, want 2", fx, len(doc.Steps))
	}
	for i, mode := range []string{"baseline", "both"} {
		s := doc.Steps[i]
		if s.Labels["mode"] != mode || s.Requests == 0 || s.Failures() != 0 {
			t.Errorf("%s step %d: mode %q, %d requests, %d failures; want %s, some requests, no failure", fx, i, s.Labels["mode"], s.Requests, s.Failures(), mode)
		}
	}
	if both := doc.Steps[1]; both.Resources["client-sidecar"].Samples == 0 || both.Resources["server-sidecar"].Samples == 0 {
		t.Errorf("%s: the both step lacks its sidecars' resources: %+v", fx, both.Resources)
	}
	var raw map[string]any
	readJSON(t, path, &raw)
	return raw
}

// freeKeys are the objects whose keys are data, not shape: they differ by
// fixture (the environment a fixture describes, the config of its flags)
// or by run (status codes, errors).
var freeKeys = []string{"environment", "config", "status_codes", "transport_errors", "errors", "first_errors"}

// shape lists the key paths of a JSON value, with array elements as [].
func shape(v any, path string) map[string]bool {
	out := map[string]bool{}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := path + "." + k
			out[p] = true
			if !slices.Contains(freeKeys, k) {
				maps.Copy(out, shape(e, p))
			}
		}
	case []any:
		for _, e := range x {
			maps.Copy(out, shape(e, path+"[]"))
		}
	}
	return out
}

// diffKeys lists the paths only one of a (local's) and b (fx's) has.
func diffKeys(a, b map[string]bool, fx string) string {
	var d []string
	for _, p := range slices.Sorted(maps.Keys(a)) {
		if !b[p] {
			d = append(d, "only local:  "+p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(b)) {
		if !a[p] {
			d = append(d, "only "+fx+": "+p)
		}
	}
	return strings.Join(d, "\n")
}

// needDocker skips (or, under MESHPERF_REQUIRE=docker, fails) unless a
// Docker daemon answers.
func needDocker(t *testing.T) {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		defer cli.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	}
	if err != nil {
		testenv.Need(t, "docker", fmt.Errorf("no Docker daemon answers: %w", err))
	}
}

// needKube skips (or, under MESHPERF_REQUIRE=kube, fails) without a
// cluster, and points KUBECONFIG at it. Without $MESHPERF_IMAGE the pods'
// image is loaded into the local cluster, which must then be up.
func needKube(t *testing.T) {
	t.Helper()
	kc := os.Getenv("KUBECONFIG")
	if kc == "" {
		kc = filepath.Join(localcluster.DefaultDir, "kubeconfig")
		if _, err := os.Stat(kc); err != nil {
			testenv.Need(t, "kube", fmt.Errorf("no KUBECONFIG and no local cluster (make kube-up): %w", err))
		}
		t.Setenv("KUBECONFIG", kc)
	}
	if os.Getenv(kube.ImageEnv) == "" {
		_, err := localcluster.Running()
		if err == nil {
			_, err = exec.LookPath("ctr")
		}
		testenv.Need(t, "kube", err)
	}
}

// TestSweepRequestFlagsReachTheLoad: sweep's request flags reach each
// step's load through the fixture, and the document's config records
// them.
func TestSweepRequestFlagsReachTheLoad(t *testing.T) {
	testenv.Long(t, "brings up the local fixture")
	podMeshperf(t)
	out := filepath.Join(t.TempDir(), "h2.json")
	code, stdout, stderr := runCLI(t, "sweep", "-loopback", "-mode", "baseline", "-c", "1", "-qps", "50", "-t", "500ms",
		"-warmup", "100ms", "-h2", "-H", "X-Test: 1", "-payload-size", "16", "-json", out)
	if code != exitOK {
		t.Fatalf("sweep -h2: exit %d\n%s%s", code, stdout, stderr)
	}
	doc := readDoc(t, out)
	if len(doc.Steps) != 1 || doc.Steps[0].Protocol != meshperf.H2C || doc.Steps[0].Requests == 0 {
		t.Fatalf("steps = %+v, want one h2c step with requests", doc.Steps)
	}
	var raw struct{ Config map[string]string }
	readJSON(t, out, &raw)
	if c := raw.Config; c["protocol"] != "h2c" || c["headers"] != "X-Test: 1" || c["payload_size"] != "16" {
		t.Errorf("config = %v, want the protocol, header and payload size", c)
	}
}
