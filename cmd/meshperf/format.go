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
