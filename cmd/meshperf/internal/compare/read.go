package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/meshperf/meshperf/meshperf"
)

// ErrNotResult is returned (wrapped) for a JSON file that is neither a
// `meshperf load -json` result nor a `meshperf sweep -json` document.
var ErrNotResult = errors.New("not a meshperf result: want the JSON that 'meshperf load -json' or 'meshperf sweep -json' writes")

// FileError is a results file that could not be read or decoded.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads the results in one file: a single Result, or every step of
// a sweep document (recognized by its "steps" member).
func ReadFile(path string) ([]*meshperf.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in FileError
		}
		return nil, &FileError{Path: path, Err: err}
	}
	res, err := Decode(b)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return res, nil
}

// Decode reads the results in one document, as ReadFile does.
func Decode(b []byte) ([]*meshperf.Result, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotResult, err)
	}
	if steps, ok := top["steps"]; ok {
		var raw []json.RawMessage
		if err := json.Unmarshal(steps, &raw); err != nil {
			return nil, fmt.Errorf("%w (\"steps\" is not a list of results: %v)", ErrNotResult, err)
		}
		var out []*meshperf.Result
		for i, s := range raw {
			r, err := decodeResult(s)
			if err != nil {
				return nil, fmt.Errorf("steps[%d]: %w", i, err)
			}
			out = append(out, r)
		}
		if len(out) == 0 {
			return nil, errors.New("sweep document has no steps")
		}
		return out, nil
	}
	r, err := decodeResult(b)
	if err != nil {
		return nil, err
	}
	return []*meshperf.Result{r}, nil
}

func decodeResult(b []byte) (*meshperf.Result, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotResult, err)
	}
	for _, k := range []string{"smp_version", "latencies_ms", "concurrency"} {
		if _, ok := top[k]; !ok {
			return nil, fmt.Errorf("%w (no %q member)", ErrNotResult, k)
		}
	}
	r := new(meshperf.Result)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, err
	}
	return r, nil
}
