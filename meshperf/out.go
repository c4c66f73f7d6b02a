package meshperf

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// OutEnv names the environment variable that, when Out is not given, sets
// the results file Run and RunContext append to.
const OutEnv = "MESHPERF_OUT"

// Document is the JSON file Out appends to: every step in the Result JSON
// form. `meshperf sweep -json` writes the same shape.
type Document struct {
	SMPVersion string    `json:"smp_version"`
	Tool       string    `json:"tool"`
	Steps      []*Result `json:"steps"`
	// Capacity holds the capacity searches whose steps are in Steps
	// (`meshperf capacity -json`); see CapacityResult.Link.
	Capacity []*CapacityResult `json:"capacity,omitempty"`
}

// Out appends each run's Result, once it finishes, to the Document at path,
// creating it if needed. The file is rewritten atomically under a lock, so
// a failure at step 9 keeps steps 1 to 8, and parallel test processes can
// share one file. Without Out, the path comes from $MESHPERF_OUT.
func Out(path string) Option {
	return func(c *config) error {
		if path == "" {
			return invalid("out", `""`, "give a file path")
		}
		c.out = path
		return nil
	}
}

// AppendResult adds res to the Document at path, atomically and under an
// exclusive lock on path + ".lock".
func AppendResult(path string, res *Result) error {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("meshperf: results file: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("meshperf: lock %s: %w", lock.Name(), err)
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)

	doc := Document{SMPVersion: SMPVersion, Tool: "meshperf"}
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("meshperf: results file: %w", err)
	default:
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("meshperf: results file %s is not a meshperf document: %w", path, err)
		}
	}
	doc.Steps = append(doc.Steps, res)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("meshperf: results file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("meshperf: results file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("meshperf: results file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("meshperf: results file: %w", err)
	}
	return nil
}
