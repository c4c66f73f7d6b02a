package meshperf

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewPlanDefaults(t *testing.T) {
	p, err := NewPlan()
	if err != nil {
		t.Fatal(err)
	}
	want := Plan{QPS: DefaultQPS, Concurrency: DefaultConcurrency, Duration: DefaultDuration, Warmup: DefaultWarmup,
		Timeout: DefaultTimeout, Protocol: HTTP1, MaxErrorRate: DefaultAbortErrorRate}
	if p.QPS != want.QPS || p.Concurrency != want.Concurrency || p.Duration != want.Duration ||
		p.Warmup != want.Warmup || p.Timeout != want.Timeout || p.Protocol != want.Protocol ||
		p.MaxErrorRate != want.MaxErrorRate || p.Requests != 0 {
		t.Errorf("defaults = %+v, want %+v", p, want)
	}
}

func TestRequestsReplacesTheDefaultDuration(t *testing.T) {
	p, err := NewPlan(Requests(500))
	if err != nil {
		t.Fatal(err)
	}
	if p.Requests != 500 || p.Duration != 0 {
		t.Errorf("requests %d, duration %v; want 500 and 0", p.Requests, p.Duration)
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		field string
		want  string
	}{
		{"negative qps", []Option{QPS(-1)}, "qps", "0 for closed loop"},
		{"NaN qps", []Option{QPS(math.NaN())}, "qps", "requests per second"},
		{"infinite qps", []Option{QPS(math.Inf(1))}, "qps", "requests per second"},
		{"zero concurrency", []Option{Concurrency(0)}, "concurrency", "1 to 10000"},
		{"huge concurrency", []Option{Concurrency(1 << 20)}, "concurrency", "1 to 10000"},
		{"zero duration", []Option{Duration(0)}, "duration", "(0, 24h0m0s]"},
		{"duration and requests", []Option{Duration(time.Second), Requests(10)}, "duration", "exclude each other"},
		{"zero requests", []Option{Requests(0)}, "requests", "positive"},
		{"too many requests for the rate", []Option{QPS(1), Requests(1 << 40)}, "requests", "longer than"},
		{"negative warm-up", []Option{Warmup(-time.Second)}, "warmup", "0 (none)"},
		{"zero timeout", []Option{Timeout(0)}, "timeout", "(0, 1h]"},
		{"bad method", []Option{Method("GE T")}, "method", "token"},
		{"bad header name", []Option{Header("X Bad", "v")}, "header", "tokens"},
		{"header injection", []Option{Header("X-Ok", "a\r\nEvil: 1")}, "header", "CR, LF"},
		{"negative payload", []Option{PayloadSize(-1)}, "payload-size", "0 to"},
		{"huge payload", []Option{PayloadSize(MaxPayloadSize + 1)}, "payload-size", "0 to"},
		{"unknown protocol", []Option{WithProtocol("spdy")}, "protocol", "http/1.1"},
		{"grpc with payload", []Option{WithProtocol(GRPC), PayloadSize(10)}, "protocol", "no method or payload"},
		{"error rate above 1", []Option{MaxErrorRate(1.5)}, "max-error-rate", "[0, 1]"},
		{"empty label", []Option{Label("", "x")}, "label", "non-empty"},
		{"interval longer than the window", []Option{QPS(0.5), Duration(time.Second)}, "qps", "one request every 2s"},
		{"tiny rate, default window", []Option{QPS(1e-10)}, "qps", "does not fit the 10s window"},
		{"tiny rate, 1s window", []Option{QPS(1e-9), Duration(time.Second)}, "qps", "at least 1 request per second"},
		{"tiny rate, count and warm-up", []Option{QPS(1e-5), Warmup(time.Second), Requests(1)}, "requests", "longer than"},
		{"content-length", []Option{Header("Content-Length", "5")}, "header", "set from the payload"},
		{"lower-case content-length", []Option{Header("content-length", "5")}, "header", "set from the payload"},
		{"transfer-encoding", []Option{Header("Transfer-Encoding", "chunked")}, "header", "set from the payload"},
		{"two hosts", []Option{Header("Host", "a"), Header("host", "b")}, "header", "one Host"},
		{"control character in a value", []Option{Header("X-Ok", "a\x01b")}, "header", "control characters"},
		{"DEL in a value", []Option{Header("X-Ok", "a\x7fb")}, "header", "control characters"},
		{"LF in a name", []Option{Header("X\nEvil", "v")}, "header", "tokens"},
		{"CONNECT", []Option{Method("CONNECT")}, "method", "CONNECT"},
		{"connect in lower case", []Option{Method("connect")}, "method", "CONNECT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(tt.opts...)
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("NewPlan() error = %v, want an *InvalidError", err)
			}
			if ie.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q (field %q), want field %q and text %q", err, ie.Field, tt.field, tt.want)
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Errorf("error %q holds a raw control character", err)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		url, want string
	}{
		{"ftp://127.0.0.1/", "http://"},
		{"https://127.0.0.1/", "https is not supported"},
		{"http:///path", "needs a host"},
		{"http://127.0.0.1:99999/", "1 to 65535"},
		{"::bad", "http:// URL"},
		{"http://user:secret@127.0.0.1/", "user info"},
		{"http://user@127.0.0.1/", "user info"},
	} {
		_, err := ParseURL(tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURL(%q) error = %v, want it to mention %q", tt.url, err, tt.want)
		}
	}
	if _, err := ParseURL("http://127.0.0.1:8080/x?y=1"); err != nil {
		t.Errorf("a good URL was refused: %v", err)
	}
}

// A hand-built Plan is held to the same rules as the Options.
func TestValidateHandBuiltPlan(t *testing.T) {
	base := Plan{QPS: 100, Concurrency: 1, Duration: time.Second, Timeout: time.Second, Protocol: HTTP1}
	tests := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"two Host values", func(p *Plan) { p.Header = map[string][]string{"Host": {"a", "b"}} }, "header"},
		{"Host twice by case", func(p *Plan) { p.Header = map[string][]string{"Host": {"a"}, "host": {"b"}} }, "header"},
		{"content-length", func(p *Plan) { p.Header = map[string][]string{"Content-Length": {"5"}} }, "header"},
		{"CONNECT", func(p *Plan) { p.Method = "CONNECT" }, "method"},
		{"interval beyond the window", func(p *Plan) { p.QPS = 1e-10 }, "qps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			var ie *InvalidError
			if err := p.Validate(); !errors.As(err, &ie) || ie.Field != tt.field {
				t.Errorf("Validate() = %v, want an InvalidError for %s", err, tt.field)
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Errorf("the base plan is invalid: %v", err)
	}
}

// The Go API rejects a bad request before any load, with the same named
// error as the command line, whatever the protocol.
func TestRunContextRejectsBadRequests(t *testing.T) {
	const url = "http://127.0.0.1:9/" // never loaded
	tests := []struct {
		name  string
		url   string
		opts  []Option
		field string
	}{
		{"content-length over h2c", url, []Option{WithProtocol(H2C), Header("Content-Length", "5")}, "header"},
		{"content-length over http/1.1", url, []Option{Header("Content-Length", "5")}, "header"},
		{"user info", "http://me:pw@127.0.0.1:9/", nil, "url"},
		{"tiny rate", url, []Option{QPS(1e-10)}, "qps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RunContext(t.Context(), URL(tt.url), append(tt.opts, Requests(1), Warmup(0))...)
			if tt.field == "qps" {
				res, err = RunContext(t.Context(), URL(tt.url), tt.opts...)
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("err = %v, want an InvalidError for %s", err, tt.field)
			}
			if res != nil {
				t.Errorf("a rejected run returned a result: %+v", res)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}
