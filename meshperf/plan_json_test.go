package meshperf_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meshperf/meshperf/meshperf"
)

// roundTrip encodes p, decodes it, and fails t unless the two are equal.
func roundTrip(t *testing.T, p meshperf.Plan) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", p, err)
	}
	var got meshperf.Plan
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip changed the plan:\n JSON %s\n  got %#v\n want %#v", b, got, p)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	full := meshperf.Plan{QPS: 123.456, Concurrency: 7, Requests: 5000, Warmup: 0, Timeout: 1500 * time.Microsecond,
		Method: "PUT", Header: http.Header{"X-A": {"1", "2"}, "lower-case": {"\tv"}, "Host": {"h"}}, PayloadSize: 0,
		Protocol: meshperf.H2C, MaxErrorRate: 0, Labels: map[string]string{"team": "edge", "empty": ""}}
	for _, p := range []meshperf.Plan{
		mustPlan(t),
		full,
		{QPS: 0, Concurrency: 1, Duration: time.Nanosecond + time.Hour, Warmup: meshperf.MaxDuration, Timeout: time.Hour,
			PayloadSize: meshperf.MaxPayloadSize, Protocol: meshperf.HTTP1, MaxErrorRate: 1},
		{QPS: meshperf.MaxQPS, Concurrency: meshperf.MaxConcurrency, Duration: time.Second, Timeout: time.Second,
			Protocol: meshperf.GRPC, MaxErrorRate: 0.1 + 0.2},
	} {
		roundTrip(t, p)
	}
}

func mustPlan(t *testing.T, opts ...meshperf.Option) meshperf.Plan {
	t.Helper()
	p, err := meshperf.NewPlan(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanJSONForm(t *testing.T) {
	b, err := json.Marshal(mustPlan(t, meshperf.Requests(10), meshperf.Label("k", "v")))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"meshperf.plan","version":1,"qps":1000,"concurrency":8,"duration":"0s","requests":10,` +
		`"warmup":"1s","timeout":"3s","method":"","payload-size":0,"protocol":"http/1.1","max-error-rate":0.1,"labels":{"k":"v"}}`
	if string(b) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", b, want)
	}
	// An empty map is written as none, and reads back as nil.
	p := mustPlan(t)
	p.Header, p.Labels = http.Header{}, map[string]string{}
	var got meshperf.Plan
	if err := json.Unmarshal(must(json.Marshal(p)), &got); err != nil || got.Header != nil || got.Labels != nil {
		t.Errorf("empty maps: got %#v, %v; want nil maps", got, err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestPlanJSONDefaults(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want meshperf.Plan
	}{
		{"only kind and version", `{"kind":"meshperf.plan","version":1}`, mustPlanNoT(meshperf.NewPlan())},
		{"requests without duration", `{"kind":"meshperf.plan","version":1,"requests":100}`, mustPlanNoT(meshperf.NewPlan(meshperf.Requests(100)))},
		{"some members", `{"kind":"meshperf.plan","version":1,"qps":0,"warmup":"0s","header":{"X-A":["1"]}}`,
			mustPlanNoT(meshperf.NewPlan(meshperf.QPS(0), meshperf.Warmup(0), meshperf.Header("X-A", "1")))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got meshperf.Plan
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func mustPlanNoT(p meshperf.Plan, err error) meshperf.Plan {
	if err != nil {
		panic(err)
	}
	return p
}

// TestPlanJSONRefused: each bad document is an *InvalidError naming the
// member (Field), and the message says what is allowed; the plan decoded
// into stays as it was.
func TestPlanJSONRefused(t *testing.T) {
	const head = `{"kind":"meshperf.plan","version":1,`
	for _, tt := range []struct {
		name, in, field, allowed string
	}{
		{"unknown member", head + `"qps":1,"rate":5}`, "plan", "a plan's members are kind, version, qps"},
		{"repeated member", head + `"qps":1,"qps":2}`, "plan", "give each member once"},
		{"not an object", `[1,2]`, "plan", "one JSON object"},
		{"missing kind", `{"version":1}`, "kind", `"meshperf.plan"`},
		{"other kind", `{"kind":"result","version":1}`, "kind", `"meshperf.plan"`},
		{"missing version", `{"kind":"meshperf.plan"}`, "version", "version 1"},
		{"later version", `{"kind":"meshperf.plan","version":2}`, "version", "version 1"},
		{"null", head + `"qps":null}`, "qps", "a number"},
		{"string for number", head + `"qps":"1000"}`, "qps", "a number"},
		{"fraction for integer", head + `"concurrency":1.5}`, "concurrency", "an integer"},
		{"number for duration", head + `"duration":10000000000}`, "duration", "a duration string"},
		{"unparsable duration", head + `"timeout":"3 seconds"}`, "timeout", "a duration string"},
		{"header value not a list", head + `"header":{"X-A":"1"}}`, "header", "lists of values"},
		{"labels not strings", head + `"labels":{"k":1}}`, "labels", "an object of strings"},
		{"protocol not a string", head + `"protocol":2}`, "protocol", "a string"},
		// Values: the checks the Options make.
		{"negative qps", head + `"qps":-1}`, "qps", "closed loop"},
		{"zero concurrency", head + `"concurrency":0}`, "concurrency", "use 1 to"},
		{"duration and requests", head + `"duration":"1s","requests":10}`, "duration", "exactly one"},
		{"long duration", head + `"duration":"25h"}`, "duration", "(0, 24h0m0s]"},
		{"negative warmup", head + `"warmup":"-1s"}`, "warmup", "use 0"},
		{"bad method", head + `"method":"GE T"}`, "method", "token"},
		{"framing header", head + `"header":{"Content-Length":["5"]}}`, "header", "PayloadSize"},
		{"two hosts", head + `"header":{"Host":["a","b"]}}`, "header", "one Host"},
		{"big payload", head + `"payload-size":16777217}`, "payload-size", "use 0 to"},
		{"unknown protocol", head + `"protocol":"h3"}`, "protocol", `"h2c"`},
		{"error rate above 1", head + `"max-error-rate":1.5}`, "max-error-rate", "[0, 1]"},
		{"empty label key", head + `"labels":{"":"x"}}`, "label", "non-empty"},
		{"grpc with payload", head + `"protocol":"grpc","payload-size":10}`, "protocol", "no method or payload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := meshperf.Plan{QPS: 42}
			got := before
			err := json.Unmarshal([]byte(tt.in), &got)
			var ie *meshperf.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("Unmarshal(%s) = %v, want an *InvalidError", tt.in, err)
			}
			if ie.Field != tt.field || !strings.Contains(err.Error(), tt.allowed) {
				t.Errorf("Unmarshal(%s) = %v (field %q), want field %q and %q in the message", tt.in, err, ie.Field, tt.field, tt.allowed)
			}
			if !reflect.DeepEqual(got, before) {
				t.Errorf("a refused document changed the plan to %#v", got)
			}
		})
	}
}

// FuzzPlanJSON: every valid Plan reads back from its JSON form equal.
func FuzzPlanJSON(f *testing.F) {
	f.Add(1000.0, 8, int64(10*time.Second), int64(0), int64(time.Second), int64(3*time.Second), "", "", "", 0, "http/1.1", 0.1, "", "")
	f.Add(0.0, 1, int64(0), int64(1), int64(0), int64(time.Nanosecond), "POST", "x-lower", "a\tb", 1<<20, "h2c", 1.0, "k", "")
	f.Add(1e7, 10000, int64(24*time.Hour), int64(0), int64(24*time.Hour), int64(time.Hour), "PATCH", "Host", "h", 0, "grpc", 0.3, "", "v")
	f.Add(0.5, 3, int64(3*time.Second), int64(0), int64(1234567891), int64(999), "GET", "X-A", "ü", 7, "http/1.1", 1e-9, "ключ", "значение")
	f.Fuzz(func(t *testing.T, qps float64, conc int, dur, req, warmup, timeout int64, method, hname, hval string,
		payload int, proto string, maxErr float64, lkey, lval string) {
		p := meshperf.Plan{QPS: qps, Concurrency: conc, Duration: time.Duration(dur), Requests: req, Warmup: time.Duration(warmup),
			Timeout: time.Duration(timeout), Method: method, PayloadSize: payload, Protocol: meshperf.Protocol(proto), MaxErrorRate: maxErr}
		if hname != "" {
			p.Header = http.Header{hname: {hval}}
		}
		if lkey != "" || lval != "" {
			p.Labels = map[string]string{lkey: lval}
		}
		if p.Validate() != nil || math.IsNaN(qps) {
			return // only valid plans have a JSON form that reads back
		}
		if !utf8.ValidString(hname + hval + lkey + lval) {
			var ie *meshperf.InvalidError
			if _, err := json.Marshal(p); !errors.As(err, &ie) {
				t.Fatalf("Marshal of a plan with text that is not UTF-8 = %v, want an *InvalidError", err)
			}
			return
		}
		roundTrip(t, p)
	})
}

// FuzzPlanJSONDecode: no document makes UnmarshalJSON panic, and one it
// accepts is a plan whose own JSON form reads back equal.
func FuzzPlanJSONDecode(f *testing.F) {
	for _, s := range []string{`{"kind":"meshperf.plan","version":1}`, `{}`, `null`, `[]`, `{"kind":"meshperf.plan","version":1,"x":1}`,
		`{"kind":"meshperf.plan","version":1,"header":{"A":["1"]},"labels":{"a":"b"},"requests":5,"duration":"0s"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p meshperf.Plan
		if json.Unmarshal(b, &p) != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted %s as an invalid plan: %v", b, err)
		}
		if p.Header != nil && len(p.Header) == 0 || p.Labels != nil && len(p.Labels) == 0 {
			return // an empty map is written as none
		}
		roundTrip(t, p)
	})
}
