package outfile_test

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/meshperf/meshperf/internal/outfile"
	"github.com/meshperf/meshperf/internal/testenv"
)

// ours accepts files that start with "ours".
func ours(f *os.File) error {
	b := make([]byte, 4)
	if _, err := io.ReadFull(f, b); err != nil || string(b) != "ours" {
		return errors.New("it holds something else")
	}
	return nil
}

func writeFile(tb testing.TB, path, content string, mode fs.FileMode) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		tb.Fatal(err)
	}
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestWriteRegularFiles(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(tb testing.TB, dir string) // makes dir/out (or not)
		wantMode fs.FileMode
	}{
		{name: "new file", setup: func(testing.TB, string) {}, wantMode: 0o666 &^ umask()},
		{name: "mode 0644 kept", setup: func(tb testing.TB, dir string) {
			writeFile(tb, filepath.Join(dir, "out"), "ours: old", 0o644)
		}, wantMode: 0o644},
		{name: "mode 0640 kept", setup: func(tb testing.TB, dir string) {
			writeFile(tb, filepath.Join(dir, "out"), "ours: old", 0o640)
		}, wantMode: 0o640},
		{name: "empty file", setup: func(tb testing.TB, dir string) {
			writeFile(tb, filepath.Join(dir, "out"), "", 0o600)
		}, wantMode: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out")
			tt.setup(t, dir)
			if err := outfile.WriteFile(path, []byte("ours: new"), ours); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != "ours: new" {
				t.Errorf("file holds %q", got)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tt.wantMode {
				t.Errorf("mode %v, want %v", fi.Mode(), tt.wantMode)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

func umask() fs.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return fs.FileMode(m)
}

func TestWriteFollowsSymlinks(t *testing.T) {
	tests := []struct {
		name   string
		link   func(dir string) string // the symlink's content
		target string                  // the file it names, relative to dir
		exists bool
	}{
		{name: "absolute", link: func(dir string) string { return filepath.Join(dir, "real") }, target: "real", exists: true},
		{name: "relative", link: func(string) string { return "sub/real" }, target: "sub/real", exists: true},
		{name: "dangling", link: func(string) string { return "sub/later" }, target: "sub/later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(dir, tt.target)
			if tt.exists {
				writeFile(t, target, "ours: old", 0o644)
			}
			link := filepath.Join(dir, "link")
			if err := os.Symlink(tt.link(dir), link); err != nil {
				t.Fatal(err)
			}
			if err := outfile.WriteFile(link, []byte("ours: new"), ours); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
			}
			if got := readFile(t, target); got != "ours: new" {
				t.Errorf("%s holds %q", tt.target, got)
			}
		})
	}
}

func TestWriteIntoFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, err := os.ReadFile(fifo) // opens when the writer does
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b)
	}()
	target, err := outfile.Check(fifo, ours)
	if err != nil {
		t.Fatal(err)
	}
	if target.Kind != outfile.Stream {
		t.Errorf("kind %v, want %v", target.Kind, outfile.Stream)
	}
	if err := target.Write([]byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
}

// A character device is written straight, never replaced. The device is a
// copy of /dev/null (1, 3) made in a temporary directory, so that the real
// /dev is never at risk.
func TestWriteIntoCharDevice(t *testing.T) {
	testenv.NeedRoot(t)
	dev := filepath.Join(t.TempDir(), "null")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(filepath.Dir(dev), "link")
	if err := os.Symlink(dev, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dev, link} {
		if err := outfile.WriteFile(path, []byte("discarded"), ours); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Lstat(dev)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("the device was replaced: %v %v", fi.Mode(), err)
	}
	if st := fi.Sys().(*syscall.Stat_t); unix.Major(uint64(st.Rdev)) != 1 || unix.Minor(uint64(st.Rdev)) != 3 {
		t.Errorf("device is now %d,%d", unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev)))
	}
}

func TestCheckRefuses(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(tb testing.TB, dir string) string // returns the path
		refused bool                                   // errors.Is(err, ErrRefused)
		want    string
	}{
		{name: "directory", setup: func(tb testing.TB, dir string) string { return dir }, refused: true, want: "is a directory"},
		{name: "socket", setup: func(tb testing.TB, dir string) string {
			path := filepath.Join(dir, "sock")
			ln, err := net.Listen("unix", path)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { ln.Close() })
			return path
		}, refused: true, want: "is a socket"},
		{name: "missing directory", setup: func(tb testing.TB, dir string) string {
			return filepath.Join(dir, "missing", "out")
		}, want: "no such file or directory"},
		{name: "directory is a file", setup: func(tb testing.TB, dir string) string {
			writeFile(tb, filepath.Join(dir, "file"), "", 0o644)
			return filepath.Join(dir, "file", "out")
		}, want: "not a directory"},
		{name: "foreign content", setup: func(tb testing.TB, dir string) string {
			path := filepath.Join(dir, "notes")
			writeFile(tb, path, "my notes", 0o644)
			return path
		}, refused: true, want: "it holds something else"},
		{name: "symlink loop", setup: func(tb testing.TB, dir string) string {
			path := filepath.Join(dir, "loop")
			if err := os.Symlink("loop", path); err != nil {
				tb.Fatal(err)
			}
			return path
		}, want: "symlinks"},
		{name: "empty path", setup: func(testing.TB, string) string { return "" }, want: "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t, t.TempDir())
			_, err := outfile.Check(path, ours)
			if err == nil {
				t.Fatal("no error")
			}
			var oe *outfile.Error
			if !errors.As(err, &oe) || !strings.Contains(err.Error(), tt.want) || (path != "" && !strings.HasPrefix(err.Error(), path)) {
				t.Errorf("error %q: want an *outfile.Error naming %s and saying %q", err, path, tt.want)
			}
			if errors.Is(err, outfile.ErrRefused) != tt.refused {
				t.Errorf("errors.Is(%q, ErrRefused) = %v, want %v", err, !tt.refused, tt.refused)
			}
		})
	}
}

// A block device is refused. As root, one is made in a temporary directory
// (a copy of /dev/loop0's numbers, 7, 0, never opened).
func TestCheckRefusesBlockDevice(t *testing.T) {
	testenv.NeedRoot(t)
	dev := filepath.Join(t.TempDir(), "blk")
	if err := unix.Mknod(dev, unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
		t.Fatal(err)
	}
	if _, err := outfile.Check(dev, nil); !errors.Is(err, outfile.ErrRefused) || !strings.Contains(err.Error(), "block device") {
		t.Errorf("Check(block device) = %v", err)
	}
}

// Write checks again: a file that appeared after Check, holding something
// else, is kept.
func TestWriteChecksAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	target, err := outfile.Check(path, ours)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "theirs", 0o644)
	if err := target.Write([]byte("ours: new")); !errors.Is(err, outfile.ErrRefused) {
		t.Errorf("Write over a foreign file: %v", err)
	}
	if got := readFile(t, path); got != "theirs" {
		t.Errorf("file holds %q", got)
	}
}

// A failed write keeps the old content and leaves no temporary file.
func TestWriteWithErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	writeFile(t, path, "ours: old", 0o644)
	target, err := outfile.Check(path, ours)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = target.WriteWith(func(w io.Writer) error {
		io.WriteString(w, "ours: half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("WriteWith = %v, want boom", err)
	}
	if got := readFile(t, path); got != "ours: old" {
		t.Errorf("file holds %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestSame(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a")
	writeFile(t, path, "ours", 0o644)
	if err := os.Symlink("a", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, filepath.Join(dir, "hard")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "b"), "ours", 0o644)
	target, err := outfile.Check(path, ours)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"a": true, "link": true, "hard": true, "./a": true, "b": false, "missing": false} {
		if got := target.Same(filepath.Join(dir, name)); got != want {
			t.Errorf("Same(%s) = %v, want %v", name, got, want)
		}
	}
}

// As root, a replaced file keeps its owner and group too.
func TestWriteKeepsOwner(t *testing.T) {
	testenv.NeedRoot(t)
	path := filepath.Join(t.TempDir(), "out")
	writeFile(t, path, "ours: old", 0o640)
	if err := os.Chown(path, 4321, 4322); err != nil {
		t.Fatal(err)
	}
	if err := outfile.WriteFile(path, []byte("ours: new"), ours); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 4321 || st.Gid != 4322 || fi.Mode() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 4321:4322 0640", st.Uid, st.Gid, fi.Mode())
	}
}

// A copy of /dev/full (1, 7), made in a temporary directory: the write's
// error is reported and the device stays a device.
func TestWriteIntoFullDevice(t *testing.T) {
	testenv.NeedRoot(t)
	dev := filepath.Join(t.TempDir(), "full")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Fatal(err)
	}
	err := outfile.WriteFile(dev, []byte("nowhere to go"), ours)
	if !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), dev) {
		t.Errorf("WriteFile(full) = %v, want ENOSPC naming %s", err, dev)
	}
	if fi, err := os.Lstat(dev); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("the device was replaced by a %v", fi.Mode())
	}
}
