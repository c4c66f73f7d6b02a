package outfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshperf/meshperf/internal/outfile"
)

// Check the path before a long run, and write once the output is ready. A
// caller that decides not to write (an interrupted run that keeps the old
// file) just never calls Write.
func ExampleCheck() {
	dir, err := os.MkdirTemp("", "outfile-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	if _, err := outfile.Check(filepath.Join(dir, "missing", "out.json"), nil); err != nil {
		fmt.Println("before the run:", err != nil) // exit 2 at once, naming the path
	}

	path := filepath.Join(dir, "out.json")
	target, err := outfile.Check(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... the run ...
	if err := target.Write([]byte(`{"done":true}`)); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(path)
	fmt.Println(target.Kind, string(b))
	// Output:
	// before the run: true
	// new file {"done":true}
}
