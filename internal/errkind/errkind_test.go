package errkind_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/meshperf/meshperf/internal/errkind"
	"github.com/meshperf/meshperf/meshperf"
)

func TestAddRead(t *testing.T) {
	for _, doc := range []string{`{"a":1}`, "{}", "{ }\n", `{"a":{"b":2}}` + "\n"} {
		b, err := errkind.Add([]byte(doc), errkind.NoSamples)
		if err != nil || !json.Valid(b) {
			t.Fatalf("Add(%q) = %s, %v", doc, b, err)
		}
		if k, err := errkind.Read(b); k != errkind.NoSamples || err != nil {
			t.Errorf("Read(%s) = %q, %v", b, k, err)
		}
	}
	if b, _ := errkind.Add([]byte(`{"a":1}`), ""); string(b) != `{"a":1}` {
		t.Errorf("Add of no kind changed the document: %s", b)
	}
	if _, err := errkind.Add([]byte(`[1]`), errkind.Failed); err == nil {
		t.Error("Add to an array: no error")
	}
	if k, err := errkind.Read([]byte(`{"a":1}`)); k != "" || err != nil {
		t.Errorf("Read of no kind = %q, %v", k, err)
	}
	if _, err := errkind.Read([]byte(`{"error_kind":"boom"}`)); err == nil {
		t.Errorf("Read of an unknown kind: %v", err)
	}
}

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		res  *meshperf.Result
		err  error
		want errkind.Kind
	}{
		{"passed", &meshperf.Result{}, nil, ""},
		{"interrupted", &meshperf.Result{Interrupted: true}, errors.New("the run was interrupted"), errkind.Interrupted},
		{"no samples", &meshperf.Result{}, errors.Join(errors.New("x"), meshperf.ErrNoSamples), errkind.NoSamples},
		{"error rate", &meshperf.Result{}, &meshperf.ErrorRateError{Requests: 1, Failures: 1}, errkind.TooManyErrors},
		{"other", nil, errors.New("disk full"), errkind.Failed},
	} {
		if got := errkind.Of(tt.res, tt.err); got != tt.want {
			t.Errorf("%s: Of = %q, want %q", tt.name, got, tt.want)
		}
	}
}
