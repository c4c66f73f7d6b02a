package compare

import (
	"fmt"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// Metric is one number read from every Result.
type Metric string

// The metrics, as -fail-on names them: words of meshperf.Metrics, which
// gives each its unit, its better direction and how it is read.
const (
	P50              Metric = "p50"                // response latency, ns
	P90              Metric = "p90"                // response latency, ns
	P99              Metric = "p99"                // response latency, ns
	P999             Metric = "p999"               // response latency, ns
	Max              Metric = "max"                // response latency, ns
	QPS              Metric = "qps"                // achieved requests per second
	Err              Metric = "err"                // error rate, a fraction in [0, 1]
	ClientSidecarCPU Metric = "client_sidecar_cpu" // one client sidecar (the busiest pod's), millicores
	ServerSidecarCPU Metric = "server_sidecar_cpu"
	TotalSidecarCPU  Metric = "total_sidecar_cpu"  // client + server sidecar, every pod, millicores
	ClientSidecarMem Metric = "client_sidecar_mem" // one client sidecar (the largest pod's) working-set max, bytes
	ServerSidecarMem Metric = "server_sidecar_mem"
	TotalSidecarMem  Metric = "total_sidecar_mem" // client + server sidecar, every pod, working-set max, bytes
)

// Metrics lists every metric in the order tables and messages use.
var Metrics = []Metric{P50, P90, P99, P999, Max, QPS, Err, ClientSidecarCPU, ServerSidecarCPU, TotalSidecarCPU,
	ClientSidecarMem, ServerSidecarMem, TotalSidecarMem}

// renamed are words -fail-on once read otherwise: sidecar_cpu and
// sidecar_mem were the sum of both sidecars here, but mean each sidecar in
// a budget. Rather than change what an old gate checks, they are an input
// error that names the words to use now.
var renamed = map[string]string{
	"sidecar_cpu": "total_sidecar_cpu (client + server sidecar), or client_sidecar_cpu and server_sidecar_cpu (each sidecar)",
	"sidecar_mem": "total_sidecar_mem (client + server sidecar), or client_sidecar_mem and server_sidecar_mem (each sidecar)",
}

// TableMetrics are the metrics WriteTable prints, one table each.
var TableMetrics = []Metric{P50, P90, P99, P999, QPS, Err, ClientSidecarCPU, ServerSidecarCPU, ClientSidecarMem, ServerSidecarMem}

type kind int

const (
	kindLatency kind = iota // ns
	kindRate                // req/s
	kindRatio               // fraction
	kindCPU                 // millicores
	kindMem                 // bytes
)

// def is m's entry in meshperf.Metrics; every Metric above has one (a
// test checks it).
func (m Metric) def() meshperf.Metric {
	d, _ := meshperf.LookupMetric(string(m))
	return d
}

// kinds maps meshperf.Metric units to how compare parses and prints them.
var kinds = map[string]kind{"ns": kindLatency, "req/s": kindRate, "share": kindRatio, "mcores": kindCPU, "B": kindMem}

func (m Metric) kind() kind { return kinds[m.def().Unit] }

// HigherIsWorse reports whether a rise of m is a regression. Only qps
// regresses by falling.
func (m Metric) HigherIsWorse() bool { return m.def().Better == "lower" }

// title is the metric's table heading.
func (m Metric) title() string {
	switch m {
	case QPS:
		return "req/s"
	case Err:
		return "error rate"
	case ClientSidecarCPU:
		return "client-sidecar CPU (mean)"
	case ServerSidecarCPU:
		return "server-sidecar CPU (mean)"
	case TotalSidecarCPU:
		return "sidecar CPU (client + server, mean)"
	case ClientSidecarMem:
		return "client-sidecar memory (working-set max)"
	case ServerSidecarMem:
		return "server-sidecar memory (working-set max)"
	case TotalSidecarMem:
		return "sidecar memory (client + server, working-set max)"
	case Max:
		return "max latency"
	}
	return string(m) + " latency"
}

// value reads m from r. It reports false when r does not carry m: no
// answered request for latencies, no reading of the component for
// resources, or one taken outside the measured window (Unreliable), which
// counts as missing rather than as a clean value.
func (m Metric) value(r *meshperf.Result) (float64, bool) {
	if d := m.def(); d.Value != nil {
		return d.Value(r)
	}
	return 0, false
}

// format prints a value of m in its unit.
func (m Metric) format(v float64) string {
	switch m.kind() {
	case kindRate:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case kindRatio:
		return fmt.Sprintf("%.3f%%", 100*v)
	case kindCPU:
		return fmt.Sprintf("%.0fm", v)
	case kindMem:
		return meshperf.Bytes(v).String()
	}
	return latency.Format(time.Duration(v))
}

// delta prints the change from old to new: percentage points for the error
// rate, percent otherwise.
func (m Metric) delta(old, new float64) string {
	if m.kind() == kindRatio {
		return fmt.Sprintf("%+.2fpp", 100*(new-old))
	}
	switch {
	case old == new:
		return "0.00%"
	case old == 0:
		return "?"
	}
	return fmt.Sprintf("%+.2f%%", 100*(new/old-1))
}
