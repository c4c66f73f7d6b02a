package assertions

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/internal/quantity"
	"github.com/meshperf/meshperf/meshperf"
)

// Thresholds is what the text form holds: a Budget on each step and an
// Overhead of meshed steps over the baseline.
type Thresholds struct {
	Budget   Budget
	Overhead Overhead
}

// ParseError is a bad clause of the text form.
type ParseError struct {
	Index  int    // 1-based position of the clause in the list
	Clause string // the clause as written
	Msg    string // what is wrong and what is allowed
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("assertions: budget clause %d %q: %s", e.Index, e.Clause, e.Msg)
}

// ParseBudget reads the k6-style text form: comma-separated clauses
// name<value (a ceiling) or name>value (a floor), each name at most once.
// Every limit is inclusive: "p99<5ms" passes at exactly 5ms.
//
//	p50 p90 p99 p999 max          <  Go duration: 5ms, 300us, 1.5s
//	err                           <  percentage of requests: 0.1%; 0% allows none
//	unsent                        <  percentage of the planned slots never sent: 1%;
//	                                 0% allows none, 100% sets no ceiling
//	qps_ratio                     >  actual/requested QPS: 0.99 or 99%
//	sidecar_cpu client_sidecar_cpu server_sidecar_cpu total_sidecar_cpu app_cpu
//	                              <  CPU as meshperf.ParseCPU: 500m, 1
//	sidecar_mem client_sidecar_mem server_sidecar_mem total_sidecar_mem
//	                              <  memory as meshperf.ParseBytes: 128Mi
//	overhead_p50 overhead_p90 overhead_p99 overhead_p999 overhead_max
//	                              <  meshed − baseline: 2ms, or relative: 20%
//	overhead_cpu                  <  meshed − baseline CPU: 200m, or relative: 50%
//
// Names are words of meshperf.Metrics and mean what it says: sidecar_cpu
// is each sidecar (the busiest pod's with several pods), total_sidecar_cpu
// the sum of both over every pod.
//
// "err" sets both Budget.MaxErrorRate and Overhead.MaxErrorRate; "unsent"
// sets both Budget.MaxUnsent and Overhead.MaxUnsent. Without an err or unsent clause, the Budget's
// defaults apply (DefaultMaxErrorRate, DefaultMaxUnsent). An empty string
// is the zero Thresholds.
func ParseBudget(s string) (Thresholds, error) {
	var t Thresholds
	if strings.TrimSpace(s) == "" {
		return t, nil
	}
	seen := map[string]bool{}
	for i, raw := range strings.Split(s, ",") {
		perr := func(format string, args ...any) error {
			return &ParseError{Index: i + 1, Clause: strings.TrimSpace(raw), Msg: fmt.Sprintf(format, args...)}
		}
		c := strings.TrimSpace(raw)
		if c == "" {
			return Thresholds{}, perr("empty clause: separate clauses with single commas")
		}
		at := strings.IndexAny(c, "<>")
		if at < 0 {
			return Thresholds{}, perr("no comparison: write name<value or name>value, e.g. p99<5ms")
		}
		name, op, value := strings.TrimSpace(c[:at]), c[at], strings.TrimSpace(c[at+1:])
		if strings.HasPrefix(value, "=") {
			return Thresholds{}, perr("use %c, not %c=: every limit is inclusive", op, op)
		}
		cl, ok := clauseByName(name)
		if !ok {
			return Thresholds{}, perr("unknown metric %q: known metrics are %s", name, strings.Join(clauseNames(), ", "))
		}
		if cl.floor != (op == '>') {
			want, kind := '<', "ceiling"
			if cl.floor {
				want, kind = '>', "floor"
			}
			return Thresholds{}, perr("%s takes a %s: write %s%c%s", name, kind, name, want, value)
		}
		if seen[name] {
			return Thresholds{}, perr("duplicate metric %s: give each metric once", name)
		}
		seen[name] = true
		if err := cl.parse(&t, value); err != nil {
			return Thresholds{}, perr("%v", err)
		}
	}
	return t, nil
}

// String writes t in the text form, clauses in a fixed order; ParseBudget
// reads it back to the same value. Fields the text form cannot hold
// (Overhead.MaxErrorRate apart from Budget's) are left out.
func (t Thresholds) String() string {
	var parts []string
	for _, cl := range clauses {
		if v, ok := cl.format(t); ok {
			op := "<"
			if cl.floor {
				op = ">"
			}
			parts = append(parts, cl.name+op+v)
		}
	}
	return strings.Join(parts, ",")
}

// clause is one metric of the text form. metric is its word in
// meshperf.Metrics, which has the same unit (unit) and a better direction
// that makes a floor of a "higher" word and a ceiling of a "lower" one; an
// overhead clause limits the change of its metric from the baseline.
type clause struct {
	name   string
	metric string
	unit   string
	floor  bool
	parse  func(t *Thresholds, value string) error
	format func(t Thresholds) (string, bool)
}

var clauses = []clause{
	durationClause("p50", func(t *Thresholds) *time.Duration { return &t.Budget.P50 }),
	durationClause("p90", func(t *Thresholds) *time.Duration { return &t.Budget.P90 }),
	durationClause("p99", func(t *Thresholds) *time.Duration { return &t.Budget.P99 }),
	durationClause("p999", func(t *Thresholds) *time.Duration { return &t.Budget.P999 }),
	durationClause("max", func(t *Thresholds) *time.Duration { return &t.Budget.Max }),
	{
		name: "err", metric: "err", unit: "share",
		parse: func(t *Thresholds, value string) error {
			p, err := parsePercent(value)
			if err != nil || p > 100 {
				return fmt.Errorf("%q is not an error rate: write a percentage from 0%% to 100%%, e.g. err<0.1%%", value)
			}
			rate := p / 100
			if rate == 0 {
				rate = NoErrors
			}
			t.Budget.MaxErrorRate, t.Overhead.MaxErrorRate = rate, rate
			return nil
		},
		format: func(t Thresholds) (string, bool) {
			r := t.Budget.MaxErrorRate
			switch {
			case r == 0:
				return "", false
			case r == NoErrors:
				return "0%", true
			}
			return exactText(100*r, func(s string) bool {
				p, err := parsePercent(s + "%")
				return err == nil && p/100 == r
			}) + "%", true
		},
	},
	{
		name: "unsent", metric: "unsent", unit: "share",
		parse: func(t *Thresholds, value string) error {
			p, err := parsePercent(value)
			if err != nil || p > 100 {
				return fmt.Errorf("%q is not an unsent share: write a percentage of the planned slots from 0%% to 100%%, e.g. unsent<1%% (0%% allows none, 100%% sets no ceiling)", value)
			}
			share := p / 100
			if share == 0 {
				share = NoUnsent
			}
			t.Budget.MaxUnsent, t.Overhead.MaxUnsent = share, share
			return nil
		},
		format: func(t Thresholds) (string, bool) {
			r := t.Budget.MaxUnsent
			switch r {
			case 0:
				return "", false
			case NoUnsent:
				return "0%", true
			}
			return exactText(100*r, func(s string) bool {
				p, err := parsePercent(s + "%")
				return err == nil && p/100 == r
			}) + "%", true
		},
	},
	{
		name: "qps_ratio", metric: "qps_ratio", unit: "share",
		floor: true,
		parse: func(t *Thresholds, value string) error {
			r, err := parseFloat(value)
			if p, perr := parsePercent(value); perr == nil {
				r, err = p/100, nil
			}
			if err != nil || !(r > 0 && r <= 1) {
				return fmt.Errorf("%q is not a QPS ratio: write a share above 0 and at most 1, e.g. qps_ratio>0.99 or qps_ratio>99%%", value)
			}
			t.Budget.MinQPSRatio = r
			return nil
		},
		format: func(t Thresholds) (string, bool) {
			return strconv.FormatFloat(t.Budget.MinQPSRatio, 'g', -1, 64), t.Budget.MinQPSRatio != 0
		},
	},
	cpuClause("sidecar_cpu", func(t *Thresholds) *meshperf.CPU { return &t.Budget.SidecarCPU }),
	memClause("sidecar_mem", func(t *Thresholds) *meshperf.Bytes { return &t.Budget.SidecarMemory }),
	cpuClause("client_sidecar_cpu", func(t *Thresholds) *meshperf.CPU { return &t.Budget.ClientSidecarCPU }),
	memClause("client_sidecar_mem", func(t *Thresholds) *meshperf.Bytes { return &t.Budget.ClientSidecarMemory }),
	cpuClause("server_sidecar_cpu", func(t *Thresholds) *meshperf.CPU { return &t.Budget.ServerSidecarCPU }),
	memClause("server_sidecar_mem", func(t *Thresholds) *meshperf.Bytes { return &t.Budget.ServerSidecarMemory }),
	cpuClause("total_sidecar_cpu", func(t *Thresholds) *meshperf.CPU { return &t.Budget.TotalSidecarCPU }),
	memClause("total_sidecar_mem", func(t *Thresholds) *meshperf.Bytes { return &t.Budget.TotalSidecarMemory }),
	cpuClause("app_cpu", func(t *Thresholds) *meshperf.CPU { return &t.Budget.AppCPU }),
	overheadClause("overhead_p50", "p50", false, func(t *Thresholds) *Limit { return &t.Overhead.P50 }),
	overheadClause("overhead_p90", "p90", false, func(t *Thresholds) *Limit { return &t.Overhead.P90 }),
	overheadClause("overhead_p99", "p99", false, func(t *Thresholds) *Limit { return &t.Overhead.P99 }),
	overheadClause("overhead_p999", "p999", false, func(t *Thresholds) *Limit { return &t.Overhead.P999 }),
	overheadClause("overhead_max", "max", false, func(t *Thresholds) *Limit { return &t.Overhead.Max }),
	overheadClause("overhead_cpu", "total_cpu", true, func(t *Thresholds) *Limit { return &t.Overhead.CPU }),
}

func clauseByName(name string) (clause, bool) {
	for _, c := range clauses {
		if c.name == name {
			return c, true
		}
	}
	return clause{}, false
}

func clauseNames() []string {
	names := make([]string, len(clauses))
	for i, c := range clauses {
		names[i] = c.name
	}
	return names
}

func durationClause(name string, field func(*Thresholds) *time.Duration) clause {
	return clause{
		name: name, metric: name, unit: "ns",
		parse: func(t *Thresholds, value string) error {
			d, err := parseDuration(value)
			if err != nil || d == 0 {
				return fmt.Errorf("%q is not a latency ceiling: write a Go duration above 0, e.g. %s<5ms, 300us, 1.5s", value, name)
			}
			*field(t) = d
			return nil
		},
		format: func(t Thresholds) (string, bool) { d := *field(&t); return d.String(), d != 0 },
	}
}

func cpuClause(name string, field func(*Thresholds) *meshperf.CPU) clause {
	return clause{
		name: name, metric: name, unit: "mcores",
		parse: func(t *Thresholds, value string) error {
			c, err := meshperf.ParseCPU(value)
			if err != nil || c == 0 || math.IsInf(float64(c), 0) {
				return fmt.Errorf("%q is not a CPU ceiling: write cores or millicores above 0, e.g. %s<500m or %s<1", value, name, name)
			}
			*field(t) = c
			return nil
		},
		format: func(t Thresholds) (string, bool) { c := *field(&t); return cpuText(c), c != 0 },
	}
}

func memClause(name string, field func(*Thresholds) *meshperf.Bytes) clause {
	return clause{
		name: name, metric: name, unit: "B",
		parse: func(t *Thresholds, value string) error {
			b, err := parseBytes(value)
			if err != nil || b == 0 {
				return fmt.Errorf("%q is not a memory ceiling: write bytes above 0, or a number with Ki, Mi, Gi (or k, M, G), e.g. %s<128Mi", value, name)
			}
			*field(t) = b
			return nil
		},
		format: func(t Thresholds) (string, bool) { b := *field(&t); return bytesText(b), b != 0 },
	}
}

// overheadClause reads an absolute ceiling (a duration, or CPU when cpu is
// set) or a relative one (a percentage) on the change of metric.
func overheadClause(name, metric string, cpu bool, field func(*Thresholds) *Limit) clause {
	unit := "ns"
	if cpu {
		unit = "mcores"
	}
	return clause{
		name: name, metric: metric, unit: unit,
		parse: func(t *Thresholds, value string) error {
			if p, err := parsePercent(value); err == nil {
				*field(t) = Percent(p)
				return nil
			}
			if cpu {
				c, err := meshperf.ParseCPU(value)
				if err != nil || math.IsInf(float64(c), 0) {
					return fmt.Errorf("%q is not a CPU overhead: write CPU (%s<200m) or a percentage of the baseline (%s<50%%)", value, name, name)
				}
				*field(t) = c
				return nil
			}
			d, err := parseDuration(value)
			if err != nil {
				return fmt.Errorf("%q is not a latency overhead: write a Go duration (%s<2ms) or a percentage of the baseline (%s<20%%)", value, name, name)
			}
			*field(t) = d
			return nil
		},
		format: func(t Thresholds) (string, bool) {
			switch l := (*field(&t)).(type) {
			case nil:
				return "", false
			case Percent:
				return strconv.FormatFloat(float64(l), 'g', -1, 64) + "%", true
			case meshperf.CPU:
				return cpuText(l), true
			case time.Duration:
				return l.String(), true
			default:
				return l.String(), true
			}
		},
	}
}

// parseDuration reads a Go duration that is not negative.
func parseDuration(s string) (time.Duration, error) { return quantity.Duration(s) }

// parsePercent reads "12.5%" as 12.5: finite and not negative.
func parsePercent(s string) (float64, error) { return quantity.Percent(s) }

// parseFloat reads a finite number that is not negative.
func parseFloat(s string) (float64, error) { return quantity.Number(s) }

// parseBytes reads a memory quantity as meshperf.ParseBytes does.
func parseBytes(s string) (meshperf.Bytes, error) { return meshperf.ParseBytes(s) }

// exactText prints v, or a float within a few ulps of it, as the shortest
// decimal that ok accepts, so that scaled values (percent, millicores)
// survive a print and a parse exactly. It falls back to v.
func exactText(v float64, ok func(string) bool) string {
	text := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	if ok(text(v)) {
		return text(v)
	}
	up, down := v, v
	for range 16 {
		up, down = math.Nextafter(up, math.Inf(1)), math.Nextafter(down, math.Inf(-1))
		if ok(text(up)) {
			return text(up)
		}
		if down >= 0 && ok(text(down)) {
			return text(down)
		}
	}
	return text(v)
}

// cpuText prints c in millicores when that reads back exactly, else in
// cores, which always does.
func cpuText(c meshperf.CPU) string {
	if s := exactText(c.Millicores(), func(s string) bool {
		got, err := meshperf.ParseCPU(s + "m")
		return err == nil && got == c
	}) + "m"; mustCPU(s) == c {
		return s
	}
	return strconv.FormatFloat(float64(c), 'g', -1, 64)
}

func mustCPU(s string) meshperf.CPU {
	c, err := meshperf.ParseCPU(s)
	if err != nil {
		return -1
	}
	return c
}

// bytesText prints b with the largest binary suffix that divides it.
func bytesText(b meshperf.Bytes) string {
	for _, u := range []struct {
		suffix string
		size   meshperf.Bytes
	}{{"Gi", meshperf.GiB}, {"Mi", meshperf.MiB}, {"Ki", meshperf.KiB}} {
		if b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}
