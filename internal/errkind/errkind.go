package errkind

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/meshperf/meshperf/meshperf"
)

// Kind is why a run with a result failed; "" when it did not.
type Kind string

// The kinds, the only values error_kind takes.
const (
	Interrupted   Kind = "interrupted"     // the run was cut short (SIGINT, SIGTERM)
	NoSamples     Kind = "no_samples"      // no request was answered (meshperf.ErrNoSamples)
	TooManyErrors Kind = "too_many_errors" // above the plan's error rate (meshperf.ErrTooManyErrors)
	Failed        Kind = "failed"          // any other error
)

// Of is the kind of err, the error of the run that gave res.
func Of(res *meshperf.Result, err error) Kind {
	switch {
	case err == nil:
		return ""
	case res != nil && res.Interrupted:
		return Interrupted
	case errors.Is(err, meshperf.ErrNoSamples):
		return NoSamples
	case errors.Is(err, meshperf.ErrTooManyErrors):
		return TooManyErrors
	}
	return Failed
}

// Add returns doc, a JSON object, with an "error_kind" member of k at its
// end; doc itself when k is "".
func Add(doc []byte, k Kind) ([]byte, error) {
	if k == "" {
		return doc, nil
	}
	body := bytes.TrimRight(doc, " \t\r\n")
	if len(body) < 2 || body[len(body)-1] != '}' {
		return nil, fmt.Errorf("errkind: not a JSON object: %.40q", doc)
	}
	member, _ := json.Marshal(k) // a string always encodes
	sep := ","
	if bytes.Equal(bytes.TrimSpace(body[:len(body)-1]), []byte("{")) {
		sep = ""
	}
	out := append(bytes.Clone(body[:len(body)-1]), sep+`"error_kind":`...)
	out = append(out, member...)
	return append(out, '}'), nil
}

// Read returns the error_kind of doc ("" when it has none), refusing a
// value that is not one of the kinds.
func Read(doc []byte) (Kind, error) {
	var d struct {
		Kind Kind `json:"error_kind"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return "", fmt.Errorf("errkind: %w", err)
	}
	switch d.Kind {
	case "", Interrupted, NoSamples, TooManyErrors, Failed:
		return d.Kind, nil
	}
	return "", fmt.Errorf("errkind: error_kind %q is none of %q, %q, %q, %q", d.Kind, Interrupted, NoSamples, TooManyErrors, Failed)
}
