package meshperf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ForeignFileError is a file that meshperf did not write. What says what
// it holds, e.g. "JSON null" or "a JSON object whose first member is "a"".
type ForeignFileError struct{ What string }

func (e *ForeignFileError) Error() string {
	return "it holds " + e.What + ", not a meshperf result or results document"
}

// Identify reads the start of a file and says whether meshperf wrote it: a
// Result has the members "smp_version" and "id", a results document
// "smp_version" and a "tool" that starts with "meshperf". meshperf writes
// them first, so Identify reads a few hundred bytes whatever the file's
// size (and at most 1 MiB). An empty file (or only white space) is
// meshperf's to write. It returns a *ForeignFileError for anything else.
func Identify(r io.Reader) error {
	var head bytes.Buffer
	dec := json.NewDecoder(io.TeeReader(io.LimitReader(r, 1<<20), &head))
	foreign := func(format string, args ...any) error {
		return &ForeignFileError{What: fmt.Sprintf(format, args...)}
	}
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return foreign("text that is not JSON (it starts %q)", quoteStart(head.Bytes()))
	case tok == nil:
		return foreign("JSON null")
	case tok == json.Delim('['):
		return foreign("a JSON array")
	case tok != json.Delim('{'):
		return foreign("a JSON %T", tok)
	}
	var version, tool string
	var hasID bool
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		key := t.(string) // an object's keys are strings
		keys = append(keys, key)
		switch key {
		case "smp_version":
			err = dec.Decode(&version)
		case "tool":
			err = dec.Decode(&tool)
		case "id":
			hasID = true
			err = dec.Decode(new(json.RawMessage))
		default:
			err = dec.Decode(new(json.RawMessage))
		}
		switch {
		case err != nil:
			return foreign("JSON that could not be read within its first MiB (member %q: %v)", key, err)
		case tool != "" && !strings.HasPrefix(tool, "meshperf"):
			return foreign("a document written by %q", tool)
		case version != "" && (tool != "" || hasID):
			return nil // a results document, or one Result
		}
	}
	if len(keys) == 0 {
		return foreign("an empty JSON object")
	}
	if len(keys) > 5 {
		keys = append(keys[:5], "...")
	}
	return foreign("a JSON object with members %s", strings.Join(keys, ", "))
}

func quoteStart(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

// DocumentReader reads the Results in a results file one at a time, as
// bufio.Scanner reads lines: every step of a results document, or the one
// Result of a `meshperf load -json` file. It holds one step in memory at a
// time, so reading a document costs the size of its largest step plus what
// the caller keeps.
//
//	dr := meshperf.NewDocumentReader(f)
//	for dr.Scan() {
//		use(dr.Result())
//	}
//	if err := dr.Err(); err != nil { ... }
//	config := dr.Members()["config"]
type DocumentReader struct {
	dec     *json.Decoder
	state   int // 0 before the document, 1 in its steps, 2 done
	res     *Result
	n       int
	members map[string]json.RawMessage
	order   []string
	err     error
}

// NewDocumentReader reads the results file r.
func NewDocumentReader(r io.Reader) *DocumentReader {
	return &DocumentReader{dec: json.NewDecoder(r), members: map[string]json.RawMessage{}}
}

// ErrNotResults is returned (wrapped) for JSON that holds no Result.
var ErrNotResults = errors.New("not a meshperf result: want the JSON that 'meshperf load -json', 'meshperf sweep -json' or meshperf.Out writes")

// Scan reads the next Result. It returns false at the end of the steps or
// on an error, which Err then returns.
func (d *DocumentReader) Scan() bool {
	d.res = nil
	if d.state == 0 {
		d.state = 2
		if d.err = d.open(); d.err != nil {
			return false
		}
		if d.state == 2 { // a single Result, whole in members
			d.res, d.err = d.single()
			return d.err == nil
		}
	}
	if d.state != 1 {
		return false
	}
	if !d.dec.More() {
		d.state = 2
		if d.err = d.close(); d.err == nil && d.n == 0 {
			d.err = errors.New("the document has no steps")
		}
		return false
	}
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		d.state, d.err = 2, fmt.Errorf("steps[%d]: %w", d.n, err)
		return false
	}
	res, err := decodeStep(raw)
	if err != nil {
		d.state, d.err = 2, fmt.Errorf("steps[%d]: %w", d.n, err)
		return false
	}
	d.n++
	d.res = res
	return true
}

// open reads the members before "steps", and "[" after it; without
// "steps", it reads the whole object.
func (d *DocumentReader) open() error {
	tok, err := d.dec.Token()
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNotResults, err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("%w (it holds a JSON %v)", ErrNotResults, tokenKind(tok))
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return fmt.Errorf("%w (%v)", ErrNotResults, err)
		}
		key := tok.(string) // an object's keys are strings
		if key == "steps" {
			tok, err := d.dec.Token()
			if err != nil || tok != json.Delim('[') {
				return fmt.Errorf("%w (\"steps\" is not a list of results)", ErrNotResults)
			}
			d.state = 1
			return nil
		}
		if err := d.member(key); err != nil {
			return err
		}
	}
	return d.end()
}

// close reads the members after the steps.
func (d *DocumentReader) close() error {
	if _, err := d.dec.Token(); err != nil { // ']'
		return fmt.Errorf("steps: %w", err)
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		if err := d.member(tok.(string)); err != nil {
			return err
		}
	}
	return d.end()
}

func (d *DocumentReader) member(key string) error {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return fmt.Errorf("member %q: %w", key, err)
	}
	if _, dup := d.members[key]; !dup {
		d.order = append(d.order, key)
	}
	d.members[key] = raw
	return nil
}

// end reads the closing '}' and checks that nothing follows it.
func (d *DocumentReader) end() error {
	if _, err := d.dec.Token(); err != nil {
		return err
	}
	if tok, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("data after the document (%v, %v)", tok, err)
	}
	return nil
}

// single decodes the members of a document without steps as one Result.
func (d *DocumentReader) single() (*Result, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range d.order {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(d.members[k])
	}
	b.WriteByte('}')
	d.members = map[string]json.RawMessage{}
	d.order = nil
	return decodeStep(b.Bytes())
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		return "array"
	}
	return fmt.Sprintf("%T", tok)
}

// decodeStep decodes one Result, checking first that it is one.
func decodeStep(b []byte) (*Result, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotResults, err)
	}
	for _, k := range []string{"smp_version", "latencies_ms", "concurrency"} {
		if _, ok := top[k]; !ok {
			return nil, fmt.Errorf("%w (no %q member)", ErrNotResults, k)
		}
	}
	r := new(Result)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Result returns the Result the last Scan read.
func (d *DocumentReader) Result() *Result { return d.res }

// Err returns the first error, or nil at the end of a valid file.
func (d *DocumentReader) Err() error { return d.err }

// Members returns the document's top-level members other than "steps"
// (smp_version, tool, config, environment, capacity, and any others), as
// read so far: all of them once Scan has returned false without an error.
// A single Result's file has none.
func (d *DocumentReader) Members() map[string]json.RawMessage { return d.members }
