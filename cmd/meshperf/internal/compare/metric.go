package compare

import (
	"fmt"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// Metric is one number read from every Result.
type Metric string

// The metrics, as -fail-on names them.
const (
	P50              Metric = "p50"  // response latency, ns
	P90              Metric = "p90"  // response latency, ns
	P99              Metric = "p99"  // response latency, ns
	P999             Metric = "p999" // response latency, ns
	Max              Metric = "max"  // response latency, ns
	QPS              Metric = "qps"  // achieved requests per second
	Err              Metric = "err"  // error rate, a fraction in [0, 1]
	ClientSidecarCPU Metric = "client_sidecar_cpu"
	ServerSidecarCPU Metric = "server_sidecar_cpu"
	SidecarCPU       Metric = "sidecar_cpu" // client + server sidecar, millicores
	ClientSidecarMem Metric = "client_sidecar_mem"
	ServerSidecarMem Metric = "server_sidecar_mem"
	SidecarMem       Metric = "sidecar_mem" // client + server sidecar working-set max, bytes
)

// Metrics lists every metric in the order tables and messages use.
var Metrics = []Metric{P50, P90, P99, P999, Max, QPS, Err, ClientSidecarCPU, ServerSidecarCPU, SidecarCPU,
	ClientSidecarMem, ServerSidecarMem, SidecarMem}

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

func (m Metric) kind() kind {
	switch m {
	case QPS:
		return kindRate
	case Err:
		return kindRatio
	case ClientSidecarCPU, ServerSidecarCPU, SidecarCPU:
		return kindCPU
	case ClientSidecarMem, ServerSidecarMem, SidecarMem:
		return kindMem
	}
	return kindLatency
}

// HigherIsWorse reports whether a rise of m is a regression. Only qps
// regresses by falling.
func (m Metric) HigherIsWorse() bool { return m != QPS }

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
	case SidecarCPU:
		return "sidecar CPU (client + server, mean)"
	case ClientSidecarMem:
		return "client-sidecar memory (working-set max)"
	case ServerSidecarMem:
		return "server-sidecar memory (working-set max)"
	case SidecarMem:
		return "sidecar memory (client + server, working-set max)"
	case Max:
		return "max latency"
	}
	return string(m) + " latency"
}

// value reads m from r. It reports false when r does not carry m: no
// answered request for latencies, no reading of the component for resources.
func (m Metric) value(r *meshperf.Result) (float64, bool) {
	l := r.Latency
	switch m {
	case P50, P90, P99, P999, Max:
		if l.Count == 0 {
			return 0, false
		}
		return float64(latencyOf(l, m)), true
	case QPS:
		return r.ActualQPS, true
	case Err:
		return r.ErrorRate(), true
	case ClientSidecarCPU:
		return resource(r, false, fixtures.ClientSidecar)
	case ServerSidecarCPU:
		return resource(r, false, fixtures.ServerSidecar)
	case SidecarCPU:
		return resource(r, false, fixtures.ClientSidecar, fixtures.ServerSidecar)
	case ClientSidecarMem:
		return resource(r, true, fixtures.ClientSidecar)
	case ServerSidecarMem:
		return resource(r, true, fixtures.ServerSidecar)
	case SidecarMem:
		return resource(r, true, fixtures.ClientSidecar, fixtures.ServerSidecar)
	}
	return 0, false
}

func latencyOf(l latency.Summary, m Metric) time.Duration {
	switch m {
	case P50:
		return l.P50
	case P90:
		return l.P90
	case P99:
		return l.P99
	case P999:
		return l.P999
	}
	return l.Max
}

// resource sums CPU (millicores) or memory (bytes) over the components r
// has readings for; it reports false when it has none of them, or when
// one of them is Unreliable (taken from outside the measured window), so
// that such a figure counts as missing rather than as a clean value.
func resource(r *meshperf.Result, mem bool, components ...string) (float64, bool) {
	var sum float64
	found := false
	for _, c := range components {
		x, ok := r.Resources[c]
		if !ok {
			continue
		}
		if x.Unreliable != "" {
			return 0, false
		}
		found = true
		if mem {
			sum += float64(x.WorkingSetMax)
		} else {
			sum += x.CPUMean.Millicores()
		}
	}
	return sum, found
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
