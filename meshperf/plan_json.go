package meshperf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The JSON form of a Plan is its wire form: `meshperf load -plan` reads it,
// and the docker and kube fixtures send it to the generator in a pod. It is
// one object:
//
//	{"kind": "meshperf.plan", "version": 1,
//	 "qps": 1000, "concurrency": 8, "duration": "10s", "requests": 0,
//	 "warmup": "1s", "timeout": "3s", "method": "",
//	 "header": {"X-Tenant": ["a"]}, "payload-size": 0, "protocol": "http/1.1",
//	 "max-error-rate": 0.1, "labels": {"team": "edge"}}
//
// kind and version are required. Durations are strings that
// time.ParseDuration reads back ("10s", "1.5ms", "0s"), never numbers;
// MarshalJSON writes Duration.String, which reads back to the nanosecond.
// The other members are optional: a missing one takes the value NewPlan
// gives it (DefaultQPS, ...), except that a plan with requests and no
// duration has none. The members are named as InvalidError names the
// settings, so an error about a value names the member that holds it.
// MarshalJSON writes every member, header and labels only when they hold
// something: an empty map reads back as nil.
//
// UnmarshalJSON is strict: an unknown or repeated member, a null, a value
// of the wrong type, another kind or version, and a plan Validate refuses
// are each an *InvalidError, and leave the Plan as it was.

// The kind and version of the JSON form.
const (
	planKind    = "meshperf.plan"
	planVersion = 1
)

// planJSON is the JSON form described above, as MarshalJSON writes it.
type planJSON struct {
	Kind         string            `json:"kind"`
	Version      int               `json:"version"`
	QPS          float64           `json:"qps"`
	Concurrency  int               `json:"concurrency"`
	Duration     string            `json:"duration"`
	Requests     int64             `json:"requests"`
	Warmup       string            `json:"warmup"`
	Timeout      string            `json:"timeout"`
	Method       string            `json:"method"`
	Header       http.Header       `json:"header,omitempty"`
	PayloadSize  int               `json:"payload-size"`
	Protocol     Protocol          `json:"protocol"`
	MaxErrorRate float64           `json:"max-error-rate"`
	Labels       map[string]string `json:"labels,omitempty"`
}

// MarshalJSON writes p in the JSON form described above. It does not
// validate p (UnmarshalJSON does, on the other side), but refuses a header
// or a label that is not UTF-8 text, which JSON would alter.
func (p Plan) MarshalJSON() ([]byte, error) {
	for name, vs := range p.Header {
		for _, v := range vs {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				return nil, invalid("header", strconv.Quote(name+": "+v), "the JSON form of a plan carries UTF-8 text only")
			}
		}
	}
	for k, v := range p.Labels {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, invalid("label", strconv.Quote(k+"="+v), "the JSON form of a plan carries UTF-8 text only")
		}
	}
	return json.Marshal(planJSON{
		Kind: planKind, Version: planVersion, QPS: p.QPS, Concurrency: p.Concurrency,
		Duration: p.Duration.String(), Requests: p.Requests, Warmup: p.Warmup.String(), Timeout: p.Timeout.String(),
		Method: p.Method, Header: p.Header, PayloadSize: p.PayloadSize, Protocol: p.Protocol,
		MaxErrorRate: p.MaxErrorRate, Labels: p.Labels,
	})
}

// planMember is one member of the JSON form: its name, where it goes, and
// what it must be.
type planMember struct {
	name string
	dst  any // a *time.Duration is read from a string
	want string
}

// UnmarshalJSON reads the JSON form described above into p, once it is a
// valid plan.
func (p *Plan) UnmarshalJSON(b []byte) error {
	members, err := planMembers(b)
	if err != nil {
		return err
	}
	var kind string
	version := 0
	q := Plan{QPS: DefaultQPS, Concurrency: DefaultConcurrency, Duration: DefaultDuration, Warmup: DefaultWarmup,
		Timeout: DefaultTimeout, Protocol: DefaultProtocol, MaxErrorRate: DefaultAbortErrorRate}
	table := []planMember{
		{"kind", &kind, strconv.Quote(planKind)},
		{"version", &version, strconv.Itoa(planVersion)},
		{"qps", &q.QPS, "a number of requests per second"},
		{"concurrency", &q.Concurrency, "an integer count of workers"},
		{"duration", &q.Duration, `a duration string such as "10s"`},
		{"requests", &q.Requests, "an integer count of requests"},
		{"warmup", &q.Warmup, `a duration string such as "1s" or "0s"`},
		{"timeout", &q.Timeout, `a duration string such as "3s"`},
		{"method", &q.Method, `a string such as "GET"`},
		{"header", &q.Header, `an object of header names to lists of values, e.g. {"X-A": ["1"]}`},
		{"payload-size", &q.PayloadSize, "an integer count of bytes"},
		{"protocol", &q.Protocol, fmt.Sprintf("a string, %q, %q or %q", HTTP1, H2C, GRPC)},
		{"max-error-rate", &q.MaxErrorRate, "a number in [0, 1]"},
		{"labels", &q.Labels, `an object of strings, e.g. {"team": "edge"}`},
	}
	for _, name := range slices.Sorted(maps.Keys(members)) {
		if !slices.ContainsFunc(table, func(m planMember) bool { return m.name == name }) {
			return invalid("plan", strconv.Quote(name), "a plan's members are "+memberNames(table))
		}
	}
	for _, m := range table {
		raw, ok := members[m.name]
		if !ok {
			continue
		}
		if err := decodeMember(m, raw); err != nil {
			return err
		}
	}
	if _, ok := members["kind"]; !ok || kind != planKind {
		return invalid("kind", strconv.Quote(kind), fmt.Sprintf("a plan's kind is %q", planKind))
	}
	if version != planVersion {
		return invalid("version", version, fmt.Sprintf("this meshperf reads plan version %d", planVersion))
	}
	if _, ok := members["duration"]; !ok && q.Requests != 0 {
		q.Duration = 0
	}
	if err := q.Validate(); err != nil {
		return err
	}
	*p = q
	return nil
}

// decodeMember decodes raw into m.dst, refusing null and a value of
// another type.
func decodeMember(m planMember, raw json.RawMessage) error {
	if string(raw) == "null" {
		return invalid(m.name, "null", "use "+m.want)
	}
	bad := func() error { return invalid(m.name, clip(raw), "use "+m.want) }
	if d, ok := m.dst.(*time.Duration); ok {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad()
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return bad()
		}
		*d = v
		return nil
	}
	if err := json.Unmarshal(raw, m.dst); err != nil {
		return bad()
	}
	return nil
}

// planMembers splits a JSON object into its members, refusing anything
// else and a member given twice.
func planMembers(b []byte) (map[string]json.RawMessage, error) {
	notObject := func() error { return invalid("plan", clip(b), "a plan is one JSON object") }
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject()
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notObject()
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, notObject()
		}
		if _, dup := members[name]; dup {
			return nil, invalid("plan", strconv.Quote(name), "give each member once")
		}
		members[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, notObject()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, notObject()
	}
	return members, nil
}

// clip quotes a JSON value for an error, cut to a readable length.
func clip(b []byte) string {
	s := string(b)
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}

func memberNames(table []planMember) string {
	names := make([]string, len(table))
	for i, m := range table {
		names[i] = m.name
	}
	return strings.Join(names, ", ")
}
