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
		Timeout: DefaultTimeout, Protocol: HTTP1, MaxErrorRate: DefaultMaxErrorRate}
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
