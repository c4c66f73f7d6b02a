package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
)

// ErrNotResult is returned (wrapped) for a JSON file that is neither a
// `meshperf load -json` result nor a results document.
var ErrNotResult = meshperf.ErrNotResults

// FileError is a results file that could not be read or decoded.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// File is what one results file holds: its Results, in file order, and a
// document's environment, config and capacity searches.
type File struct {
	Results     []*meshperf.Result
	Environment map[string]string
	Config      map[string]string
	Capacity    []*capacity.Result
}

// ReadFile reads the results in one file: a single Result, or every step of
// a results document. It streams the steps, so that its memory is what it
// keeps: each step's summaries, without its histograms. While a run
// appends to the file (meshperf.AppendResult), it waits for the append to
// finish.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in FileError
		}
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	// A shared lock on the lock file AppendResult takes (beside the file a
	// symlink names): appends wait for us, and we for them.
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		if lock, err := os.Open(resolved + ".lock"); err == nil {
			defer lock.Close()
			unix.Flock(int(lock.Fd()), unix.LOCK_SH)
		}
	}
	file, err := Read(f)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return file, nil
}

// Read reads one results file from r, as ReadFile does.
func Read(r io.Reader) (*File, error) {
	dr := meshperf.NewDocumentReader(r)
	file := new(File)
	for dr.Scan() {
		res := dr.Result()
		// Summaries are read from the histograms; only they are used.
		res.ResponseHist, res.ServiceHist, res.SendLagHist = nil, nil, nil
		file.Results = append(file.Results, res)
	}
	if err := dr.Err(); err != nil {
		return nil, err
	}
	m := dr.Members()
	for _, x := range []struct {
		name string
		dst  any
	}{{"environment", &file.Environment}, {"config", &file.Config}, {"capacity", &file.Capacity}} {
		if raw, ok := m[x.name]; ok {
			if err := json.Unmarshal(raw, x.dst); err != nil {
				return nil, fmt.Errorf("%s: %w", x.name, err)
			}
		}
	}
	return file, nil
}
