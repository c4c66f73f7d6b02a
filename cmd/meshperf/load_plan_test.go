package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// writePlan writes doc to a file and returns its path.
func writePlan(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPlanUsage(t *testing.T) {
	good := writePlan(t, `{"kind":"meshperf.plan","version":1,"requests":10}`)
	for _, tt := range []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"with plan flags", []string{"-plan", good, "-qps", "5", "-c", "2", "-H", "A: b"}, []string{"-plan " + good, "-qps, -c, -H", "exclude each other"}},
		{"with -t and -n", []string{"-plan", good, "-t", "1s", "-n", "5"}, []string{"-t, -n exclude each other"}},
		{"missing file", []string{"-plan", filepath.Join(t.TempDir(), "none.json")}, []string{"-plan", "no such file"}},
		{"not JSON", []string{"-plan", writePlan(t, `{"kind":`)}, []string{"not JSON at byte"}},
		{"unknown member", []string{"-plan", writePlan(t, `{"kind":"meshperf.plan","version":1,"rps":5}`)}, []string{`plan "rps" is not allowed`, "members are kind, version, qps"}},
		{"wrong type", []string{"-plan", writePlan(t, `{"kind":"meshperf.plan","version":1,"duration":5}`)}, []string{"duration", "a duration string"}},
		{"invalid value", []string{"-plan", writePlan(t, `{"kind":"meshperf.plan","version":1,"concurrency":0}`)}, []string{"concurrency 0 is not allowed", "use 1 to"}},
		{"no kind", []string{"-plan", writePlan(t, `{"version":1}`)}, []string{`a plan's kind is "meshperf.plan"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"load"}, tt.args...), "http://127.0.0.1:9/")
			code, stdout, stderr := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr = %q, want it to hold %q", stderr, w)
				}
			}
			if stdout != "" {
				t.Errorf("a refused plan printed %q", stdout)
			}
		})
	}
}

// TestLoadPlanFromStdin: the plan read from stdin shapes the run, every
// field of it, labels and headers included.
func TestLoadPlanFromStdin(t *testing.T) {
	url := echoURL(t)
	plan := `{"kind":"meshperf.plan","version":1,"qps":0,"concurrency":3,"requests":90,"warmup":"0s",` +
		`"protocol":"h2c","labels":{"mode":"baseline"},"header":{"X-A":["1"]},"max-error-rate":0}`
	var out, errb bytes.Buffer
	err := runLoad(t.Context(), []string{"-plan", "-", "-json", "-", url}, strings.NewReader(plan), &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res meshperf.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Requests != 90 || res.Concurrency != 3 || res.RequestedQPS != 0 || res.Protocol != meshperf.H2C ||
		res.Labels["mode"] != "baseline" || res.StatusCodes[200] != 90 {
		t.Errorf("result = %+v", res)
	}
}

// TestLoadErrorKind: a failed run's -json document says why in
// error_kind; a run that passed has none.
func TestLoadErrorKind(t *testing.T) {
	for _, tt := range []struct {
		name, url string
		code      int
		kind      any
	}{
		{"refused", refusedURL(t), exitFail, "no_samples"},
		{"passed", echoURL(t), exitOK, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "load", "-qps", "0", "-c", "1", "-n", "5", "-warmup", "0", "-json", "-", tt.url)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, stderr)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["error_kind"] != tt.kind {
				t.Errorf("error_kind = %v, want %v", doc["error_kind"], tt.kind)
			}
		})
	}
}

// TestPodLoadPlanMatchesFlags: the pod's meshperf, given a plan on stdin,
// prints a result of the same shape as the same plan given as flags.
func TestPodLoadPlanMatchesFlags(t *testing.T) {
	testenv.Long(t, "builds the pod's meshperf")
	podMeshperf(t)
	url := echoURL(t)
	plan := `{"kind":"meshperf.plan","version":1,"qps":0,"concurrency":2,"requests":50,"warmup":"0s",` +
		`"method":"POST","payload-size":64,"labels":{"k":"v"},"header":{"X-A":["1"]}}`
	fromPlan := podLoad(t, plan, "-plan", "-", "-json", "-", url)
	fromFlags := podLoad(t, "", "-qps", "0", "-c", "2", "-n", "50", "-warmup", "0", "-X", "POST", "-payload-size", "64",
		"-label", "k=v", "-H", "X-A: 1", "-json", "-", url)
	for k := range fromFlags {
		if _, ok := fromPlan[k]; !ok {
			t.Errorf("-plan's result has no %q, which the flags' has", k)
		}
	}
	if len(fromPlan) != len(fromFlags) {
		t.Errorf("-plan's result has %d members, the flags' %d", len(fromPlan), len(fromFlags))
	}
	for _, k := range []string{"requests", "concurrency", "requested_qps", "protocol", "labels", "status_codes", "errors"} {
		a, _ := json.Marshal(fromPlan[k])
		b, _ := json.Marshal(fromFlags[k])
		if !bytes.Equal(a, b) {
			t.Errorf("%s: -plan %s, flags %s", k, a, b)
		}
	}
}

// podLoad runs the pod's `meshperf load args...` with stdin and returns
// the JSON document it printed.
func podLoad(t *testing.T, stdin string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Getenv("MESHPERF_BIN"), append([]string{"load"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("meshperf load %v: %v\n%s", args, err, errb.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("meshperf load %v printed no JSON document: %v\n%s", args, err, out)
	}
	return doc
}
