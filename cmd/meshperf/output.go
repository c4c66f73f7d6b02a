package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/meshperf/meshperf/internal/outfile"
	"github.com/meshperf/meshperf/meshperf"
)

// The commands write their output files through internal/outfile: checked
// before the run (a bad path exits 2 at once), written when the output is
// ready, never replacing what meshperf did not write.

// checkJSONOutput checks a -json path before the run; "" needs no check and
// returns a nil Target. The path may name nothing, an
// empty file or meshperf JSON (a result or a results document).
func checkJSONOutput(flag, path string) (*outfile.Target, error) {
	if path == "" {
		return nil, nil
	}
	t, err := outfile.Check(path, recogniseResults)
	if err != nil {
		return nil, usagef("%s %v", flag, err)
	}
	return t, nil
}

func recogniseResults(f *os.File) error {
	err := meshperf.Identify(f)
	return err
}

// reportTitle is in the head of every page `meshperf report` writes.
const reportTitle = "<title>meshperf report</title>"

// recogniseReport accepts a page `meshperf report` wrote, and nothing else:
// not a results document, nor another HTML file.
func recogniseReport(f *os.File) error {
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	head = head[:n]
	if bytes.HasPrefix(head, []byte("<!DOCTYPE html>")) && bytes.Contains(head, []byte(reportTitle)) {
		return nil
	}
	if err := meshperf.Identify(bytes.NewReader(head)); err == nil {
		return errors.New("it holds a meshperf results document, not a meshperf report")
	}
	if len(head) > 40 {
		head = head[:40]
	}
	return fmt.Errorf("it holds something that is not a meshperf report (it starts %q)", head)
}

// writeOutput writes b to t, which checkJSONOutput returned for flag. A path
// that changed since the check into one that must not be written is a
// usage error, as at the check.
func writeOutput(flag string, t *outfile.Target, write func(io.Writer) error) error {
	if err := t.WriteWith(write); err != nil {
		if errors.Is(err, outfile.ErrRefused) {
			return usagef("%s %v", flag, err)
		}
		return fmt.Errorf("%s %w", flag, err)
	}
	return nil
}

// jsonWriter writes v as indented JSON.
func jsonWriter(v any) func(io.Writer) error {
	return func(w io.Writer) error {
		b, err := jsonIndent(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
}

// stepOutput writes a document that grows step by step (sweep, capacity):
// a regular file is rewritten after every step, so that a failure keeps the
// steps before it; a FIFO or a character device gets the document once,
// from finish, since its reader cannot take it back.
type stepOutput struct {
	flag string
	t    *outfile.Target // nil: no output
	doc  any             // the document a stream still owes
}

func (o *stepOutput) step(doc any) error {
	if o.t == nil {
		return nil
	}
	if o.t.Kind == outfile.Stream {
		o.doc = doc
		return nil
	}
	return writeOutput(o.flag, o.t, jsonWriter(doc))
}

// finish writes what a stream is owed; call it once, however the command
// ends.
func (o *stepOutput) finish() error {
	if o.doc == nil {
		return nil
	}
	doc := o.doc
	o.doc = nil
	return writeOutput(o.flag, o.t, jsonWriter(doc))
}

// writeOutputs prints the summary (unless JSON goes to stdout) and writes the
// JSON, with runErr's kind, to stdout or to out, the checked -json path
// (nil: none).
func writeOutputs(res *meshperf.Result, runErr error, plan meshperf.Plan, jsonPath string, out *outfile.Target, stdout io.Writer) error {
	if jsonPath != "-" {
		writeSummary(stdout, res, plan)
	}
	if jsonPath != "-" && out == nil {
		return nil
	}
	b, err := resultJSON(res, runErr)
	if err != nil {
		return err
	}
	if jsonPath == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return writeOutput("-json", out, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// jsonIndent is v as indented JSON and a newline.
func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}
