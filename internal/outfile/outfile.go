package outfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Kind is what an output path names once its symlinks are followed.
type Kind int

const (
	// New: nothing is there yet; Write creates a regular file.
	New Kind = iota
	// Regular: a regular file that Write replaces atomically.
	Regular
	// Stream: a FIFO or a character device that Write writes straight.
	Stream
)

func (k Kind) String() string {
	switch k {
	case New:
		return "new file"
	case Regular:
		return "regular file"
	case Stream:
		return "FIFO or character device"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ErrRefused is returned (wrapped in an *Error) for a path that must not be
// written: the wrong kind of file, or a regular file whose content the
// caller does not recognise as its own.
var ErrRefused = errors.New("refused")

// Error is an output path that cannot be, or must not be, written.
type Error struct {
	Path string // as the caller gave it
	Err  error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Recognise is called with an existing, non-empty regular file open for
// reading. It returns nil when the file holds the caller's own output, which
// may then be replaced, or an error that says what the file holds. A nil
// Recognise accepts any regular file.
type Recognise func(f *os.File) error

// maxLinks bounds symlink chains, as the kernel's ELOOP does.
const maxLinks = 40

// Target is a checked output path.
type Target struct {
	Path      string // as the caller gave it
	Resolved  string // the file Path names, symlinks followed
	Kind      Kind
	recognise Recognise
}

// Check resolves path and checks that Write can write it: its directory
// exists and is writable, it names nothing, a regular file that is empty or
// that recognise accepts, a FIFO or a character device. Errors are *Error;
// refusals wrap ErrRefused.
func Check(path string, recognise Recognise) (*Target, error) {
	if path == "" {
		return nil, &Error{Path: `""`, Err: errors.New("empty path: name a file")}
	}
	resolved, fi, err := resolve(path)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	t := &Target{Path: path, Resolved: resolved, recognise: recognise}
	named := ""
	if resolved != path {
		named = " (" + resolved + ")"
	}
	switch {
	case fi == nil:
		t.Kind = New
	case fi.Mode().IsRegular():
		t.Kind = Regular
	case fi.Mode()&fs.ModeNamedPipe != 0, fi.Mode()&fs.ModeCharDevice != 0:
		t.Kind = Stream
	default:
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: %s is %s: write to a regular file, a FIFO or a character device",
			ErrRefused, "it"+named, describe(fi.Mode()))}
	}
	if t.Kind == Stream {
		if err := unix.Access(resolved, unix.W_OK); err != nil {
			return nil, &Error{Path: path, Err: fmt.Errorf("not writable%s: %w", named, err)}
		}
		return t, nil
	}
	dir := filepath.Dir(resolved)
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("directory %s is not writable: %w", dir, err)}
	}
	if t.Kind == Regular {
		if err := unix.Access(resolved, unix.W_OK); err != nil {
			return nil, &Error{Path: path, Err: fmt.Errorf("not writable%s: %w", named, err)}
		}
		if fi.Size() > 0 && recognise != nil {
			if err := check(resolved, recognise); err != nil {
				return nil, &Error{Path: path, Err: fmt.Errorf("%w: not replacing it%s: %w", ErrRefused, named, err)}
			}
		}
	}
	return t, nil
}

func check(path string, recognise Recognise) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return recognise(f)
}

// describe names a file type that Check refuses.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// resolve follows path's symlinks, its directories' and its own, to the
// file it names. fi is nil when nothing is there yet; the directory must
// exist.
func resolve(path string) (string, fs.FileInfo, error) {
	p := path
	for range maxLinks {
		dir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", nil, fmt.Errorf("directory %s: %w", filepath.Dir(p), err)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", nil, fmt.Errorf("%s is not a directory", filepath.Dir(p))
		}
		p = filepath.Join(dir, filepath.Base(p))
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, fi, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(dir, link)
		}
		p = link
	}
	return "", nil, fmt.Errorf("more than %d symlinks: %w", maxLinks, syscall.ELOOP)
}

// Write writes b to the target: see WriteWith.
func (t *Target) Write(b []byte) error {
	return t.WriteWith(func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteWith checks the path again and writes what write produces: into a
// temporary file beside the resolved file, renamed over it once write
// returns nil and the data is synced (a regular or new file), or straight
// into a FIFO or character device. On error, a regular file keeps its old
// content.
func (t *Target) WriteWith(write func(io.Writer) error) error {
	cur, err := Check(t.Path, t.recognise)
	if err != nil {
		return err
	}
	if cur.Kind == Stream {
		f, err := os.OpenFile(cur.Resolved, os.O_WRONLY, 0)
		if err != nil {
			return &Error{Path: t.Path, Err: err}
		}
		bw := bufio.NewWriter(f)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return &Error{Path: t.Path, Err: err}
		}
		return nil
	}
	if err := replace(cur.Resolved, cur.Kind == Regular, write); err != nil {
		return &Error{Path: t.Path, Err: err}
	}
	return nil
}

// replace writes a temporary file beside path and renames it over path.
// When keep is set, the temporary file takes path's mode and owner first.
func replace(path string, keep bool, write func(io.Writer) error) (err error) {
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if keep {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := tmp.Chmod(fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)); err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
			if err := tmp.Chown(int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
	}
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// createTemp creates ".<base>.<random>.tmp" beside path with mode 0666 less
// the umask, as a new file from a shell redirection gets.
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	for range 10 {
		var r [6]byte
		rand.Read(r[:])
		name := filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name beside %s", path)
}

// WriteFile checks path and writes b to it, as Check and Target.Write do.
func WriteFile(path string, b []byte, recognise Recognise) error {
	t, err := Check(path, recognise)
	if err != nil {
		return err
	}
	return t.Write(b)
}

// Same reports whether path names the same file as the target, through
// any symlinks or hard links. A target with nothing there yet is the same
// only as a path that resolves to the same name.
func (t *Target) Same(path string) bool {
	resolved, fi, err := resolve(path)
	if err != nil {
		return false
	}
	if resolved == t.Resolved {
		return true
	}
	mine, err := os.Stat(t.Resolved)
	return err == nil && fi != nil && os.SameFile(mine, fi)
}
