package meshperf

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/internal/httpsyntax"
)

// Defaults of a Plan. The warm-up default discards the first second, which
// covers connection set-up and the target's first allocations.
//
// DefaultAbortErrorRate is the failed share above which a run is no
// measurement at all: RunContext returns ErrTooManyErrors with it, and Run
// stops the test. It is the share istio/tools drops a run at. It is not a
// budget: assertions.DefaultMaxErrorRate, a far lower share, is the
// ceiling a Budget holds a measured run to.
const (
	DefaultQPS            = 1000.0
	DefaultConcurrency    = 8
	DefaultDuration       = 10 * time.Second
	DefaultWarmup         = time.Second
	DefaultTimeout        = 3 * time.Second
	DefaultAbortErrorRate = 0.10
	DefaultProtocol       = HTTP1
)

// Limits on a Plan.
const (
	MaxQPS         = 1e7
	MaxConcurrency = 10000
	MaxDuration    = 24 * time.Hour
	MaxPayloadSize = 16 << 20
)

// Protocol is the wire protocol of the load.
type Protocol string

// The protocols meshperf speaks.
const (
	HTTP1 Protocol = "http/1.1" // raw-socket HTTP/1.1 client, keep-alive, one connection per worker
	H2C   Protocol = "h2c"      // HTTP/2 over cleartext with prior knowledge, one connection per worker
	GRPC  Protocol = "grpc"     // grpc.health.v1.Health/Check over cleartext, one channel per worker
)

// Plan is a validated description of one load run. Targets receive it and
// execute it; users build it with Options.
type Plan struct {
	QPS          float64       // requests per second; 0 runs closed loop as fast as possible
	Concurrency  int           // workers, each with its own connection
	Duration     time.Duration // measured window; 0 when Requests is set
	Requests     int64         // exact number of measured requests; 0 when Duration is set
	Warmup       time.Duration // discarded lead-in
	Timeout      time.Duration // per request
	Method       string        // "" means GET, or POST when PayloadSize > 0
	Header       http.Header   // extra request headers
	PayloadSize  int           // request body size in bytes
	Protocol     Protocol
	MaxErrorRate float64           // a run whose failed share exceeds this is an error (ErrTooManyErrors)
	Labels       map[string]string // copied into the Result
}

// InvalidError reports an option or flag whose value is not allowed. Field
// names the setting as Options name it ("concurrency", "qps", ...), so a
// command line can map it back to its own flag.
type InvalidError struct {
	Field   string
	Value   any
	Allowed string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("meshperf: %s %v is not allowed: %s", e.Field, e.Value, e.Allowed)
}

func invalid(field string, value any, allowed string) error {
	return &InvalidError{Field: field, Value: value, Allowed: allowed}
}

// Option sets one part of a Plan. Options check their own argument.
type Option func(*config) error

type config struct {
	plan                     Plan
	durationSet, requestsSet bool
	out                      string // results file; see Out
}

// NewPlan returns the Plan the options describe, starting from the
// defaults. Duration and Requests exclude each other.
func NewPlan(opts ...Option) (Plan, error) {
	c, err := newConfig(opts...)
	return c.plan, err
}

func newConfig(opts ...Option) (config, error) {
	c := config{plan: Plan{
		QPS:          DefaultQPS,
		Concurrency:  DefaultConcurrency,
		Duration:     DefaultDuration,
		Warmup:       DefaultWarmup,
		Timeout:      DefaultTimeout,
		Protocol:     DefaultProtocol,
		MaxErrorRate: DefaultAbortErrorRate,
	}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, err
		}
	}
	if c.durationSet && c.requestsSet {
		return config{}, invalid("duration", c.plan.Duration, "Duration and Requests exclude each other; set one")
	}
	if c.requestsSet {
		c.plan.Duration = 0
	}
	return c, c.plan.Validate()
}

// Validate checks a Plan built by hand (Targets call it before running).
// It applies the same checks as the Options.
func (p Plan) Validate() error {
	if (p.Duration > 0) == (p.Requests > 0) {
		return invalid("duration", p.Duration, fmt.Sprintf("set exactly one of a positive duration or a positive request count (requests is %d)", p.Requests))
	}
	checks := []error{checkQPS(p.QPS), checkConcurrency(p.Concurrency), checkWarmup(p.Warmup),
		checkTimeout(p.Timeout), checkPayloadSize(p.PayloadSize), checkMaxErrorRate(p.MaxErrorRate), checkProtocol(p.Protocol)}
	if p.Duration > 0 {
		checks = append(checks, checkDuration(p.Duration))
	} else {
		checks = append(checks, checkRequests(p.Requests))
	}
	if p.Method != "" {
		checks = append(checks, checkMethod(p.Method))
	}
	hosts := 0
	for k, vs := range p.Header {
		for _, v := range vs {
			checks = append(checks, checkHeader(k, v))
			if strings.EqualFold(k, "Host") {
				hosts++
			}
		}
	}
	for k := range p.Labels {
		checks = append(checks, checkLabel(k))
	}
	if hosts > 1 {
		checks = append(checks, invalid("header", strconv.Quote("Host"), fmt.Sprintf("a request has one Host header; %d were given", hosts)))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if p.QPS > 0 && p.Duration > 0 && 1/p.QPS > p.Duration.Seconds() {
		return invalid("qps", p.QPS, fmt.Sprintf("one request every %s does not fit the %v window: use at least %s per second, or a longer duration",
			fmtSeconds(1/p.QPS), p.Duration, plural(1/p.Duration.Seconds(), "request")))
	}
	if p.QPS > 0 && p.Requests > 0 && p.Warmup.Seconds()+float64(p.Requests)/p.QPS > MaxDuration.Seconds() {
		return invalid("requests", p.Requests, fmt.Sprintf("at %g requests per second the run would last longer than %v", p.QPS, MaxDuration))
	}
	if p.Protocol == GRPC && (p.PayloadSize > 0 || p.Method != "") {
		return invalid("protocol", p.Protocol, "gRPC health checks take no method or payload")
	}
	return nil
}

// fmtSeconds prints a span of seconds as a Duration when it fits one.
func fmtSeconds(sec float64) string {
	if sec < MaxDuration.Seconds() {
		return time.Duration(sec * float64(time.Second)).String()
	}
	return fmt.Sprintf("%.3gh", sec/3600)
}

func plural(n float64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%g %ss", n, unit)
}

// ParseConcurrencies parses a comma-separated list of concurrency steps,
// such as "2,4,8,16,32,64", each checked as Concurrency checks it.
func ParseConcurrencies(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, invalid("concurrency", strconv.Quote(f), "use a comma-separated list of integers, e.g. 2,4,8")
		}
		if err := checkConcurrency(n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// The checks one setting at a time, shared by the Options and Validate.

func checkQPS(qps float64) error {
	if !(qps >= 0 && qps <= MaxQPS) {
		return invalid("qps", qps, fmt.Sprintf("use 0 for closed loop or a rate in (0, %g] requests per second", float64(MaxQPS)))
	}
	return nil
}

func checkConcurrency(n int) error {
	if n < 1 || n > MaxConcurrency {
		return invalid("concurrency", n, fmt.Sprintf("use 1 to %d workers", MaxConcurrency))
	}
	return nil
}

func checkDuration(d time.Duration) error {
	if d <= 0 || d > MaxDuration {
		return invalid("duration", d, fmt.Sprintf("use a duration in (0, %v]", MaxDuration))
	}
	return nil
}

func checkRequests(n int64) error {
	if n < 1 {
		return invalid("requests", n, "use a positive count")
	}
	return nil
}

func checkWarmup(d time.Duration) error {
	if d < 0 || d > MaxDuration {
		return invalid("warmup", d, fmt.Sprintf("use 0 (none) up to %v", MaxDuration))
	}
	return nil
}

func checkTimeout(d time.Duration) error {
	if d <= 0 || d > time.Hour {
		return invalid("timeout", d, "use a duration in (0, 1h]")
	}
	return nil
}

func checkMethod(m string) error {
	if !httpsyntax.IsToken(m) {
		return invalid("method", strconv.Quote(m), "use an HTTP method token such as GET or POST")
	}
	if strings.EqualFold(m, "CONNECT") {
		return invalid("method", m, "CONNECT opens a tunnel, not a request/response exchange: use GET, POST or another method")
	}
	return nil
}

// checkHeader checks one request header. Values are quoted in errors, so
// that a control character is shown escaped, never raw.
func checkHeader(name, value string) error {
	if !httpsyntax.IsToken(name) {
		return invalid("header", strconv.Quote(name), "header names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~)")
	}
	if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return invalid("header", strconv.Quote(name+": "+value), "header values cannot hold control characters (CR, LF, NUL, \\x01 ...); only tab is allowed")
	}
	if strings.EqualFold(name, "Content-Length") || strings.EqualFold(name, "Transfer-Encoding") {
		return invalid("header", strconv.Quote(name+": "+value), "the body's framing is set from the payload: use PayloadSize (-payload-size), not this header")
	}
	return nil
}

func checkPayloadSize(n int) error {
	if n < 0 || n > MaxPayloadSize {
		return invalid("payload-size", n, fmt.Sprintf("use 0 to %d bytes", MaxPayloadSize))
	}
	return nil
}

func checkProtocol(p Protocol) error {
	switch p {
	case HTTP1, H2C, GRPC:
		return nil
	}
	return invalid("protocol", p, fmt.Sprintf("use %q, %q or %q", HTTP1, H2C, GRPC))
}

func checkMaxErrorRate(r float64) error {
	if !(r >= 0 && r <= 1) {
		return invalid("max-error-rate", r, "use a fraction in [0, 1]")
	}
	return nil
}

func checkLabel(key string) error {
	if key == "" {
		return invalid("label", strconv.Quote(key), "label keys are non-empty")
	}
	return nil
}

// QPS sets the open-loop rate in requests per second. 0 runs closed loop:
// each worker sends as soon as its previous request completes. With a
// Duration, one interval (1/QPS) must fit the window: Validate refuses a
// rate so low that the window would hold less than one request.
func QPS(qps float64) Option {
	return func(c *config) error {
		if err := checkQPS(qps); err != nil {
			return err
		}
		c.plan.QPS = qps
		return nil
	}
}

// Concurrency sets the number of workers, each with its own connection.
func Concurrency(n int) Option {
	return func(c *config) error {
		if err := checkConcurrency(n); err != nil {
			return err
		}
		c.plan.Concurrency = n
		return nil
	}
}

// Duration sets the length of the measured window (default
// DefaultDuration). At a rate, the window holds exactly duration × QPS
// requests.
func Duration(d time.Duration) Option {
	return func(c *config) error {
		if err := checkDuration(d); err != nil {
			return err
		}
		c.plan.Duration, c.durationSet = d, true
		return nil
	}
}

// Requests sets the exact number of measured requests, instead of a
// duration. All of them are sent: when the workers fall behind the
// schedule, the sends are late (and charged their backlog), never dropped.
func Requests(n int64) Option {
	return func(c *config) error {
		if err := checkRequests(n); err != nil {
			return err
		}
		c.plan.Requests, c.requestsSet = n, true
		return nil
	}
}

// Warmup sets the discarded lead-in (default DefaultWarmup); 0 disables it.
func Warmup(d time.Duration) Option {
	return func(c *config) error {
		if err := checkWarmup(d); err != nil {
			return err
		}
		c.plan.Warmup = d
		return nil
	}
}

// Timeout sets the per-request timeout (default DefaultTimeout).
func Timeout(d time.Duration) Option {
	return func(c *config) error {
		if err := checkTimeout(d); err != nil {
			return err
		}
		c.plan.Timeout = d
		return nil
	}
}

// Method sets the HTTP method (default GET, or POST with a payload). CONNECT
// is refused: it opens a tunnel, not a request/response exchange.
func Method(m string) Option {
	return func(c *config) error {
		if err := checkMethod(m); err != nil {
			return err
		}
		c.plan.Method = m
		return nil
	}
}

// Header adds a request header. A "Host" header, given at most once,
// overrides the host sent. Content-Length and Transfer-Encoding are not
// allowed (the payload sets them), nor are control characters other than tab.
func Header(name, value string) Option {
	return func(c *config) error {
		if err := checkHeader(name, value); err != nil {
			return err
		}
		if strings.EqualFold(name, "Host") && c.plan.Header.Get("Host") != "" {
			return invalid("header", strconv.Quote(name+": "+value), fmt.Sprintf("a request has one Host header; %q was already given", c.plan.Header.Get("Host")))
		}
		if c.plan.Header == nil {
			c.plan.Header = http.Header{}
		}
		c.plan.Header.Add(name, value)
		return nil
	}
}

// PayloadSize sets the request body size in bytes (default 0).
func PayloadSize(n int) Option {
	return func(c *config) error {
		if err := checkPayloadSize(n); err != nil {
			return err
		}
		c.plan.PayloadSize = n
		return nil
	}
}

// WithProtocol sets the wire protocol (default HTTP1).
func WithProtocol(p Protocol) Option {
	return func(c *config) error {
		if err := checkProtocol(p); err != nil {
			return err
		}
		c.plan.Protocol = p
		return nil
	}
}

// MaxErrorRate sets the share of failed requests, in [0, 1], above which a
// run is an error (default DefaultAbortErrorRate). A failed request got no
// response or a status outside 2xx and 3xx.
func MaxErrorRate(r float64) Option {
	return func(c *config) error {
		if err := checkMaxErrorRate(r); err != nil {
			return err
		}
		c.plan.MaxErrorRate = r
		return nil
	}
}

// Label attaches a key=value label to the Result (SMP labels).
func Label(key, value string) Option {
	return func(c *config) error {
		if err := checkLabel(key); err != nil {
			return err
		}
		if c.plan.Labels == nil {
			c.plan.Labels = map[string]string{}
		}
		c.plan.Labels[key] = value
		return nil
	}
}
