package meshperf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/meshperf/meshperf/internal/outfile"
)

// OutEnv names the environment variable that, when Out is not given, sets
// the results file Run and RunContext append to.
const OutEnv = "MESHPERF_OUT"

// Document is the JSON file Out appends to: every step in the Result JSON
// form. `meshperf sweep -json` writes the same shape, and `meshperf
// capacity -json` adds its searches (package capacity's Document embeds
// this one). Members other than these three, such as "config" or
// "capacity", are kept when Out appends, and DocumentReader.Members
// returns them.
//
// Out writes it with "steps" as the last member and one step a line:
//
//	{"smp_version":"v0.0.1","tool":"meshperf",...,"steps":[
//	{...step 1...},
//	{...step 2...}
//	]}
//
// so that a step is appended by rewriting only the closing "]}" (see
// AppendResult). Any JSON reader reads it as one document.
type Document struct {
	SMPVersion string    `json:"smp_version"`
	Tool       string    `json:"tool"`
	Steps      []*Result `json:"steps"`
}

// Out appends each run's Result, once it finishes, to the results document
// at path, creating it if needed (see AppendResult), so a failure at step 9
// keeps steps 1 to 8, and parallel test processes can share one file.
// Without Out, the path comes from $MESHPERF_OUT. RunContext checks the
// path before the run (CheckOut).
func Out(path string) Option {
	return func(c *config) error {
		if path == "" {
			return invalid("out", `""`, "give a file path")
		}
		c.out = path
		return nil
	}
}

// recogniseResults accepts an empty file, a Result and a results document.
func recogniseResults(f *os.File) error {
	err := Identify(f)
	return err
}

// CheckOut checks that AppendResult can append to path: its directory
// exists and is writable, and path (symlinks followed) names nothing yet, an
// empty file, a Result or a results document. It returns an *InvalidError
// for field "out" naming the path and what it holds.
func CheckOut(path string) error {
	_, err := checkOut(path)
	return err
}

func checkOut(path string) (*outfile.Target, error) {
	t, err := outfile.Check(path, recogniseResults)
	if err != nil {
		var oe *outfile.Error
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, invalid("out", path, "want a results file that meshperf can append to: "+err.Error())
	}
	if t.Kind == outfile.Stream {
		return nil, invalid("out", path, "it is a FIFO or a character device; results are appended to a regular file")
	}
	return t, nil
}

// AppendResult adds res to the results document at path (symlinks
// followed), under an exclusive lock on the resolved path + ".lock". A
// missing or empty file becomes a new document. A file that holds something
// meshperf did not write is refused and kept.
//
// Appending costs the size of the new step: the document's first line and
// its last bytes are checked, and the closing "]}" is overwritten with the
// step and a new "]}". Before it writes, AppendResult records in the lock
// file how to undo the write, so that an error rolls the file back, and the
// next AppendResult rolls back (or completes) an append that a crash cut
// short: earlier steps are never lost. A file in another layout (a single
// `meshperf load -json` Result, which becomes the first step; a sweep or
// capacity document, or an older Out document) is rewritten once, atomically
// and keeping its mode and every member, into the appendable layout.
func AppendResult(path string, res *Result) error {
	t, err := checkOut(path)
	if err != nil {
		return err
	}
	step, err := json.Marshal(res) // one line: Marshal escapes newlines in strings
	if err != nil {
		return fmt.Errorf("meshperf: results file %s: %w", path, err)
	}
	lock, err := os.OpenFile(t.Resolved+".lock", os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return fmt.Errorf("meshperf: results file %s: %w", path, err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("meshperf: lock %s: %w", lock.Name(), err)
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	if err := recoverAppend(lock, t.Resolved); err != nil {
		return fmt.Errorf("meshperf: results file %s: recovering an interrupted append: %w", path, err)
	}
	if err := appendStep(t, lock, step); err != nil {
		return fmt.Errorf("meshperf: results file %s: %w", path, err)
	}
	return nil
}

// docHeader is how a new document starts; its first line ends with
// stepsOpen.
const (
	docHeader = `{"smp_version":"` + SMPVersion + `","tool":"meshperf",` + stepsOpen + "\n"
	stepsOpen = `"steps":[`
	docClose  = "\n]}\n"
)

func appendStep(t *outfile.Target, lock *os.File, step []byte) error {
	f, err := os.OpenFile(t.Resolved, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// Write checks the path again, under the lock.
		return t.Write(slicesConcat([]byte(docHeader), step, []byte(docClose)))
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		if _, err := f.Write(slicesConcat([]byte(docHeader), step, []byte(docClose))); err != nil {
			return err
		}
		return f.Sync()
	}
	if err := Identify(io.NewSectionReader(f, 0, fi.Size())); err != nil { // checked again under the lock
		return err
	}
	off, sep, ok, err := appendOffset(f, fi.Size())
	if err != nil {
		return err
	}
	if !ok {
		return rewrite(t, f, step)
	}
	oldTail := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(oldTail, off); err != nil {
		return err
	}
	newTail := slicesConcat([]byte(sep), step, []byte(docClose))
	j := journal{Off: off, OldSize: fi.Size(), NewSize: off + int64(len(newTail)), CRC: crc32.ChecksumIEEE(newTail), OldTail: oldTail}
	if err := j.write(lock); err != nil {
		return err
	}
	if _, err := f.WriteAt(newTail, off); err != nil {
		return errors.Join(err, j.rollback(f), clearJournal(lock))
	}
	if err := f.Truncate(j.NewSize); err != nil {
		return errors.Join(err, j.rollback(f), clearJournal(lock))
	}
	if err := f.Sync(); err != nil {
		return errors.Join(err, j.rollback(f), clearJournal(lock))
	}
	return clearJournal(lock)
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// maxHeader bounds the first line appendOffset reads: the members before
// the steps (config, environment, capacity searches).
const maxHeader = 1 << 20

// tailWindow is how far from the end appendOffset looks for the last step's
// closing brace.
const tailWindow = 256

// appendOffset checks that the document at f is in the appendable layout
// (its first line opens "steps", its end closes it) and returns where the
// new step goes and what separates it from the step before. ok is false
// for a document in another layout.
func appendOffset(f *os.File, size int64) (off int64, sep string, ok bool, err error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, min(size, maxHeader)), 64<<10)
	first, err := br.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		var more []byte
		more, err = br.ReadSlice('\n')
		first = append(append([]byte(nil), first...), more...)
	}
	if err != nil {
		return 0, "", false, nil // no newline within maxHeader
	}
	line := bytes.TrimRight(first, "\r\n")
	if !bytes.HasPrefix(line, []byte(`{"smp_version":`)) || !bytes.HasSuffix(line, []byte(stepsOpen)) ||
		!json.Valid(slicesConcat(line, []byte("]}"))) {
		return 0, "", false, nil
	}
	n := min(size, tailWindow)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, size-n); err != nil {
		return 0, "", false, err
	}
	const space = " \t\r\n"
	t := bytes.TrimRight(tail, space)
	if !bytes.HasSuffix(t, []byte("]}")) {
		return 0, "", false, nil
	}
	t = bytes.TrimRight(t[:len(t)-2], space)
	if len(t) == 0 {
		return 0, "", false, nil
	}
	off = size - n + int64(len(t))
	switch t[len(t)-1] {
	case '}':
		if ok, err := lastStepValid(f, off, int64(len(line))); !ok || err != nil {
			return 0, "", false, err
		}
		return off, ",\n", true, nil
	case '[':
		if off != int64(len(line)) { // the header's own "[": no steps yet
			return 0, "", false, nil
		}
		return off, "\n", true, nil
	}
	return 0, "", false, nil
}

// lastStepValid checks the line that ends at off, the last step: it must
// be a whole Result and follow the header's "[" or a ",". It reads back to
// the line's start, so it costs the size of the step.
func lastStepValid(f *os.File, off, headerLen int64) (bool, error) {
	start := off
	buf := make([]byte, 64<<10)
	for {
		if start <= headerLen {
			return false, nil
		}
		n := min(int64(len(buf)), start-headerLen)
		chunk := buf[:n]
		if _, err := f.ReadAt(chunk, start-n); err != nil {
			return false, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			start = start - n + int64(i) + 1
			break
		}
		start -= n
	}
	step := make([]byte, off-start)
	if _, err := f.ReadAt(step, start); err != nil {
		return false, err
	}
	if looksLikeResult(step) != nil {
		return false, nil
	}
	if start-1 == headerLen { // the first step, right after the header's line
		return true, nil
	}
	var prev [2]byte // the line before ends with ",\n"
	if _, err := f.ReadAt(prev[:], start-2); err != nil {
		return false, err
	}
	return prev[0] == ',', nil
}

// rewrite writes the document at f in the appendable layout, with step
// appended, replacing it atomically (keeping its mode). It reads the
// document one member and one step at a time, keeps every member, and
// turns a single Result into the first step.
func rewrite(t *outfile.Target, f *os.File, step []byte) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	spill, err := os.CreateTemp("", "meshperf-steps-*")
	if err != nil {
		return err
	}
	defer os.Remove(spill.Name())
	defer spill.Close()
	sw := bufio.NewWriter(spill)
	order, members, nsteps, err := readDocument(json.NewDecoder(bufio.NewReader(f)), sw)
	if err != nil {
		return err
	}
	_, hasSteps := members["steps"]
	delete(members, "steps")
	if !hasSteps { // a single Result: it becomes the first step
		var one bytes.Buffer
		writeObject(&one, order, members)
		if err := looksLikeResult(one.Bytes()); err != nil {
			return err
		}
		sw.Write(one.Bytes())
		nsteps = 1
		order, members = nil, map[string]json.RawMessage{}
	}
	if nsteps > 0 {
		sw.WriteString(",\n")
	}
	sw.Write(step)
	if err := sw.Flush(); err != nil {
		return err
	}
	head := docHead(order, members)
	if _, err := spill.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return t.WriteWith(func(w io.Writer) error {
		if _, err := w.Write(head); err != nil {
			return err
		}
		if _, err := io.Copy(w, spill); err != nil {
			return err
		}
		_, err := io.WriteString(w, docClose)
		return err
	})
}

// readDocument reads the JSON object dec holds: it writes each step,
// compacted, to steps (",\n" between them), and returns the other members
// in the order they came. A "steps" member is in members, as nil.
func readDocument(dec *json.Decoder, steps *bufio.Writer) (order []string, members map[string]json.RawMessage, nsteps int, err error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, 0, fmt.Errorf("not a JSON object (%v)", err)
	}
	members = map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, 0, err
		}
		key := tok.(string)
		if key == "steps" {
			if nsteps, err = copySteps(dec, steps, nsteps); err != nil {
				return nil, nil, 0, err
			}
			members["steps"] = nil
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, 0, fmt.Errorf("member %q: %w", key, err)
		}
		if _, dup := members[key]; !dup {
			order = append(order, key)
		}
		members[key] = raw
	}
	return order, members, nsteps, nil
}

// copySteps copies the list of steps dec is at, checking each, to w after
// the n steps already there, and returns the new count.
func copySteps(dec *json.Decoder, w *bufio.Writer, n int) (int, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return n, fmt.Errorf(`"steps" is not a list (%v)`, err)
	}
	var compact bytes.Buffer // one step at a time
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("steps[%d]: %w", n, err)
		}
		if err := looksLikeResult(raw); err != nil {
			return n, fmt.Errorf("steps[%d]: %w", n, err)
		}
		if n > 0 {
			w.WriteString(",\n")
		}
		if err := json.Compact(&compact, raw); err != nil {
			return n, err
		}
		w.Write(compact.Bytes())
		compact.Reset()
		n++
	}
	_, err := dec.Token() // ']'
	return n, err
}

// docHead is the appendable layout's first line: the members in order,
// smp_version and tool first (as Identify and appendOffset expect, and
// added when missing), then the opening of "steps".
func docHead(order []string, members map[string]json.RawMessage) []byte {
	head := []string{"smp_version", "tool"}
	if _, ok := members["smp_version"]; !ok {
		members["smp_version"] = json.RawMessage(strconv.Quote(SMPVersion))
	}
	if _, ok := members["tool"]; !ok {
		members["tool"] = json.RawMessage(`"meshperf"`)
	}
	for _, k := range order {
		if k != "smp_version" && k != "tool" {
			head = append(head, k)
		}
	}
	var hb bytes.Buffer
	writeObject(&hb, head, members)
	hb.Truncate(hb.Len() - 1) // the closing '}': the steps follow
	hb.WriteString("," + stepsOpen + "\n")
	return hb.Bytes()
}

// writeObject writes the members in order as one compact JSON object.
func writeObject(w *bytes.Buffer, order []string, members map[string]json.RawMessage) {
	w.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			w.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		w.Write(kb)
		w.WriteByte(':')
		json.Compact(w, members[k])
	}
	w.WriteByte('}')
}

// looksLikeResult checks a step's members without decoding its histograms.
func looksLikeResult(b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return fmt.Errorf("%w (%v)", ErrNotResults, err)
	}
	for _, k := range []string{"smp_version", "latencies_ms", "concurrency"} {
		if _, ok := top[k]; !ok {
			return fmt.Errorf("%w (no %q member)", ErrNotResults, k)
		}
	}
	return nil
}

// journal is what an append in progress records in the lock file: where
// it writes, the file's size before and after, the checksum of what it
// writes, and the bytes it overwrites.
type journal struct {
	Off, OldSize, NewSize int64
	CRC                   uint32
	OldTail               []byte
}

const journalMagic = "meshperf-append"

func (j journal) bytes() []byte {
	return fmt.Appendf(nil, "%s %d %d %d %d\n%s", journalMagic, j.Off, j.OldSize, j.NewSize, j.CRC, j.OldTail)
}

func (j journal) write(lock *os.File) error {
	b := j.bytes()
	if err := lock.Truncate(0); err != nil {
		return err
	}
	if _, err := lock.WriteAt(b, 0); err != nil {
		return err
	}
	return lock.Sync()
}

func clearJournal(lock *os.File) error { return lock.Truncate(0) }

// rollback restores what the append overwrote.
func (j journal) rollback(f *os.File) error {
	if err := f.Truncate(j.Off); err != nil {
		return err
	}
	if _, err := f.WriteAt(j.OldTail, j.Off); err != nil {
		return err
	}
	return f.Sync()
}

// recoverAppend finishes what an append cut short left in the lock file: it
// keeps the step when it was written whole (its checksum matches) and
// rolls the file back otherwise.
func recoverAppend(lock *os.File, path string) error {
	b, err := io.ReadAll(io.NewSectionReader(lock, 0, 1<<20))
	if err != nil || len(b) == 0 {
		return err
	}
	line, oldTail, _ := bytes.Cut(b, []byte("\n"))
	var j journal
	var magic string
	if n, err := fmt.Sscanf(string(line), "%s %d %d %d %d", &magic, &j.Off, &j.OldSize, &j.NewSize, &j.CRC); err != nil || n != 5 ||
		magic != journalMagic || j.Off < 0 || j.OldSize < j.Off || j.NewSize < j.Off || int64(len(oldTail)) != j.OldSize-j.Off {
		if strings.TrimSpace(string(b)) == "" {
			return clearJournal(lock)
		}
		return fmt.Errorf("lock file %s holds %q, not an append record: remove it once no run uses the file", lock.Name(), quoteStart(b))
	}
	j.OldTail = oldTail
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return clearJournal(lock)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() == j.NewSize {
		written := make([]byte, j.NewSize-j.Off)
		if _, err := f.ReadAt(written, j.Off); err == nil && crc32.ChecksumIEEE(written) == j.CRC {
			return clearJournal(lock) // the append completed
		}
	}
	if err := j.rollback(f); err != nil {
		return err
	}
	return clearJournal(lock)
}
