package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/report"
)

// Build draws one page from results files or from Results in memory: the
// latency and resource charts, the overhead table of each baseline–both
// pair, and where each source ran. WriteHTML writes it as one
// self-contained file.
func ExampleBuild() {
	srv, err := echo.New(echo.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	var results []*meshperf.Result
	for _, mode := range []string{"baseline", "both"} {
		// Here both modes load the same server; a fixture gives each its
		// own path (fixtures.Cluster.Target).
		res, err := meshperf.RunContext(context.Background(), meshperf.URL(srv.URL()),
			meshperf.QPS(200), meshperf.Concurrency(2), meshperf.Duration(300*time.Millisecond), meshperf.Warmup(0),
			meshperf.Label("mode", mode))
		if err != nil {
			fmt.Println(err)
			return
		}
		results = append(results, res)
	}
	page, err := report.Build([]report.Source{{Name: "example", Results: results}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var html bytes.Buffer
	if err := page.WriteHTML(&html); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(page.Title)
	fmt.Println("overhead rows:", len(page.Overhead))
	fmt.Println("html:", strings.HasPrefix(html.String(), "<!DOCTYPE html>"))
	// Output:
	// meshperf report
	// overhead rows: 1
	// html: true
}
