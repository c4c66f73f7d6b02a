package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/meshperf/meshperf/meshperf"
)

func statusLine(r *meshperf.Result) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(r.StatusCodes)) {
		parts = append(parts, fmt.Sprintf("%d: %d", code, r.StatusCodes[code]))
	}
	for _, k := range slices.Sorted(maps.Keys(r.TransportErrors)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.TransportErrors[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// overflowNote is "  overflow N" for a table row whose response latencies
// overflowed the histogram (its upper percentiles are then lower bounds), and
// "" otherwise.
func overflowNote(r *meshperf.Result) string {
	if r.Overflow == 0 {
		return ""
	}
	return fmt.Sprintf("  overflow %d", r.Overflow)
}
