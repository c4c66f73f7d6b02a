package compare

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// WriteTable prints one table per metric, as benchstat does: per step the
// old and new medians (± the 95% confidence range with several runs), the
// change, and the U test's p-value and run counts. "~" means no significant
// change; "?" after a delta means one run on a side, so significance is
// unknown. Unmatched steps follow the tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	unknown := false
	var warnings []string // footnotes: the U test's warnings, once each
	first := true
	for _, m := range TableMetrics {
		var cells []Cell
		var steps []Key
		for _, s := range r.Steps {
			if c, ok := s.Cell(m); ok {
				cells, steps = append(cells, c), append(steps, s.Key)
			}
		}
		if len(cells) == 0 {
			continue
		}
		if !first {
			fmt.Fprintln(tw)
		}
		first = false
		fmt.Fprintf(tw, "%s\told\tnew\tdelta\t\t\n", m.title())
		for i, c := range cells {
			d := m.delta(c.OldSum.Center, c.NewSum.Center)
			note := fmt.Sprintf("n=%d+%d", len(c.Old.Values), len(c.New.Values))
			switch {
			case !c.KnownSignificant:
				d += " ?"
				unknown = true
			default:
				if !c.Significant() {
					d = "~"
				}
				note = "(" + c.Cmp.String() + ")"
				if len(c.Cmp.Warnings) > 0 {
					w := c.Cmp.Warnings[0].Error()
					i := slices.Index(warnings, w)
					if i < 0 {
						i, warnings = len(warnings), append(warnings, w)
					}
					note += fmt.Sprintf(" [%d]", i+1)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", steps[i], side(m, c.OldSum, len(c.Old.Values)), side(m, c.NewSum, len(c.New.Values)), d, note)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if unknown {
		fmt.Fprintln(w, "? one run on a side: significance unknown; repeat runs (≥ 4 a side to detect a change at α=0.05)")
	}
	for i, warn := range warnings {
		fmt.Fprintf(w, "[%d] %s\n", i+1, warn)
	}
	for _, k := range r.OnlyOld {
		fmt.Fprintf(w, "only in old: %s\n", k)
	}
	for _, k := range r.OnlyNew {
		fmt.Fprintf(w, "only in new: %s\n", k)
	}
	return nil
}

func side(m Metric, s benchmath.Summary, n int) string {
	if r := s.PctRangeString(); n >= 2 && r != "∞" {
		return m.format(s.Center) + " ± " + r
	}
	return m.format(s.Center)
}
