package sidecaroverhead

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// TestMain validates the flags, makes -benchtime 1x the default, declares
// the metrics' directions for benchstat, runs the benchmarks and then writes
// the HTML report of every step they measured to -report (without it the
// report is built, so that it is checked, and not kept: the example leaves
// no file behind). Under -v it also prints a summary table.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	s, err := loadSettings(testing.Short())
	if err == nil {
		err = oneRunPerSample()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sidecar-overhead:", err)
		return 2
	}
	cfg = s
	if benching() {
		if err := meshperf.WriteUnits(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "sidecar-overhead:", err)
			return 1
		}
	}
	code := m.Run()
	if results.empty() {
		return code
	}
	if testing.Verbose() {
		results.writeSummary(os.Stdout)
	}
	if err := results.writeReport(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "sidecar-overhead: report:", err)
		return 1
	}
	switch {
	case cfg.report != "":
		fmt.Printf("report: %s\n", cfg.report)
	case testing.Verbose():
		fmt.Println("report: built, not kept (-args -report FILE writes it)")
	}
	return code
}

// benching reports whether -bench selects anything.
func benching() bool {
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}
