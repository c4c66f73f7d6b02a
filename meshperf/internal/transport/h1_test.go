package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

// h1OK is a small keep-alive response with a Content-Length body.
const h1OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

// h1Server is a TCP server on 127.0.0.1 that runs serve on each
// accepted connection and closes the connection when serve returns.
type h1Server struct {
	ln       net.Listener
	serve    func(s *h1Server, conn net.Conn)
	accepted atomic.Int64  // connections accepted
	requests atomic.Int64  // requests read by scripted servers
	received chan struct{} // a value per request read, while there is room

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// newH1Server starts an h1Server; close stops it.
func newH1Server(serve func(s *h1Server, conn net.Conn)) (*h1Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &h1Server{ln: ln, serve: serve, received: make(chan struct{}, 64), conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// startH1Server is newH1Server for tests: it fails tb on error and
// stops the server at cleanup.
func startH1Server(tb testing.TB, serve func(s *h1Server, conn net.Conn)) *h1Server {
	tb.Helper()
	s, err := newH1Server(serve)
	if err != nil {
		tb.Fatalf("start test server: %v", err)
	}
	tb.Cleanup(s.close)
	return s
}

func (s *h1Server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.accepted.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				_ = conn.Close()
			}()
			s.serve(s, conn)
		}()
	}
}

// close stops accepting, closes every open connection and waits for the
// server's goroutines. It is safe to call twice and on nil.
func (s *h1Server) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	_ = s.ln.Close()
	s.wg.Wait()
}

func (s *h1Server) url(path string) *url.URL {
	return &url.URL{Scheme: "http", Host: s.ln.Addr().String(), Path: path}
}

// h1Then says what an h1Script server does after writing a response.
type h1Then int

const (
	thenKeepOpen h1Then = iota // read the next request
	thenClose                  // close the connection
	thenHang                   // read and discard until the client closes
)

// h1Step is an h1Script server's answer to one request.
type h1Step struct {
	resp string // written as is, possibly empty or malformed
	then h1Then
}

// h1Script returns a server that answers the i-th request it reads, on
// any connection, with steps[i], repeating the last step.
func h1Script(steps ...h1Step) func(s *h1Server, conn net.Conn) {
	return func(s *h1Server, conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
			i := s.requests.Add(1) - 1
			st := steps[min(int(i), len(steps)-1)]
			select {
			case s.received <- struct{}{}:
			default:
			}
			if _, err := io.WriteString(conn, st.resp); err != nil {
				return
			}
			switch st.then {
			case thenClose:
				return
			case thenHang:
				_, _ = io.Copy(io.Discard, conn)
				return
			}
		}
	}
}

// serveFixedH1 returns a server that writes resp for each bodiless request
// it reads, without allocating in steady state.
func serveFixedH1(resp []byte) func(s *h1Server, conn net.Conn) {
	return func(_ *h1Server, conn net.Conn) {
		const end = "\r\n\r\n"
		buf := make([]byte, 4096)
		matched := 0
		for {
			n, err := conn.Read(buf)
			for _, c := range buf[:n] {
				switch {
				case c == end[matched]:
					matched++
				case c == '\r':
					matched = 1
				default:
					matched = 0
				}
				if matched == len(end) {
					matched = 0
					if _, err := conn.Write(resp); err != nil {
						return
					}
				}
			}
			if err != nil {
				return
			}
		}
	}
}

// openH1Conn builds a Conn for spec and closes it at cleanup.
func openH1Conn(tb testing.TB, spec Spec) Conn {
	tb.Helper()
	open, err := NewHTTP1(spec)
	if err != nil {
		tb.Fatalf("NewHTTP1: %v", err)
	}
	c := open()
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func TestNewHTTP1RejectsBadSpecs(t *testing.T) {
	parse := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		return u
	}
	tests := []struct {
		name string
		spec Spec
		want []string // substrings of the error
	}{
		{name: "nil URL", spec: Spec{Timeout: time.Second}, want: []string{"Spec.URL is nil", "http://"}},
		{
			name: "https",
			spec: Spec{URL: parse("https://example.com/"), Timeout: time.Second},
			want: []string{`"https://example.com/"`, "https is not supported by the raw HTTP/1.1 client", "http://"},
		},
		{
			name: "other scheme",
			spec: Spec{URL: parse("ftp://example.com/"), Timeout: time.Second},
			want: []string{`scheme "ftp"`, "only http"},
		},
		{
			name: "user info",
			spec: Spec{URL: parse("http://u:secret@example.com/"), Timeout: time.Second},
			want: []string{"user info", "Authorization"},
		},
		{
			name: "no host",
			spec: Spec{URL: parse("http:///path"), Timeout: time.Second},
			want: []string{"has no host", "http://host[:port]/path"},
		},
		{
			name: "port out of range",
			spec: Spec{URL: parse("http://example.com:99999/"), Timeout: time.Second},
			want: []string{`port "99999"`, "1 to 65535"},
		},
		{
			name: "space in request target",
			spec: Spec{URL: &url.URL{Scheme: "http", Host: "h", Path: "/", RawQuery: "a b"}, Timeout: time.Second},
			want: []string{`"/?a b"`, "space or control character"},
		},
		{
			name: "zero timeout",
			spec: Spec{URL: parse("http://example.com/")},
			want: []string{"Timeout 0s is invalid", "> 0"},
		},
		{
			name: "negative timeout",
			spec: Spec{URL: parse("http://example.com/"), Timeout: -time.Second},
			want: []string{"Timeout -1s is invalid"},
		},
		{
			name: "method with a space",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Method: "GE T"},
			want: []string{`method "GE T"`, "not a valid HTTP token"},
		},
		{
			name: "CONNECT",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Method: "CONNECT"},
			want: []string{"CONNECT is not supported"},
		},
		{
			name: "header name with a space",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"X Bad": {"1"}}},
			want: []string{`header name "X Bad"`, "not a valid HTTP token"},
		},
		{
			name: "header value with CRLF",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"X-Ok": {"a\r\nX-Evil: 1"}}},
			want: []string{`header "X-Ok"`, `"a\r\nX-Evil: 1"`, "control character"},
		},
		{
			name: "header value with \\x01",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"X-Ok": {"a\x01b"}}},
			want: []string{`"a\x01b"`, "control character"},
		},
		{
			name: "Host twice by case",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"Host": {"a"}, "host": {"b"}}},
			want: []string{"header Host has 2 values"},
		},
		{
			name: "two Host values",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"Host": {"a", "b"}}},
			want: []string{"header Host has 2 values", "exactly one"},
		},
		{
			name: "Content-Length header",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"Content-Length": {"3"}}},
			want: []string{"header Content-Length", "set by the client from Spec.Body"},
		},
		{
			name: "Transfer-Encoding header",
			spec: Spec{URL: parse("http://example.com/"), Timeout: time.Second, Header: http.Header{"Transfer-Encoding": {"chunked"}}},
			want: []string{"header Transfer-Encoding", "set by the client from Spec.Body"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "header") || strings.Contains(tt.name, "Host") ||
				strings.Contains(tt.name, "CONNECT") || strings.HasSuffix(tt.name, " header") {
				// The h2c client sends the same fields and refuses the same ones.
				if _, err := NewH2C(tt.spec); err == nil || !strings.Contains(err.Error(), tt.want[len(tt.want)-1]) {
					t.Errorf("NewH2C error = %v, want it to contain %q", err, tt.want[len(tt.want)-1])
				}
			}
			open, err := NewHTTP1(tt.spec)
			if err == nil {
				t.Fatalf("NewHTTP1 returned no error")
			}
			if open != nil {
				t.Errorf("NewHTTP1 returned an Opener with error %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// readRawH1Request reads one request as sent: the head up to the empty line
// and as many body bytes as its Content-Length says.
func readRawH1Request(br *bufio.Reader) ([]byte, error) {
	var raw []byte
	length := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		raw = append(raw, line...)
		if line == "\r\n" {
			break
		}
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
			if length, err = strconv.Atoi(strings.TrimSpace(value)); err != nil {
				return nil, err
			}
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, err
	}
	return append(raw, body...), nil
}

func TestHTTP1SendsExactRequest(t *testing.T) {
	tests := []struct {
		name   string
		method string
		target string // path, query and fragment of the URL
		header http.Header
		body   string
		want   string // {host} stands for the server's host:port
	}{
		{name: "GET by default", target: "/p?q=1", want: "GET /p?q=1 HTTP/1.1\r\nHost: {host}\r\n\r\n"},
		{name: "empty path is /", target: "", want: "GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"},
		{name: "fragment is not sent", target: "/p#frag", want: "GET /p HTTP/1.1\r\nHost: {host}\r\n\r\n"},
		{
			name: "POST by default with a body, headers sorted",
			header: http.Header{
				"X-B": {"2"},
				"X-A": {"1", "3"},
			},
			body: "hello",
			want: "POST / HTTP/1.1\r\nHost: {host}\r\nX-A: 1\r\nX-A: 3\r\nX-B: 2\r\nContent-Length: 5\r\n\r\nhello",
		},
		{
			name:   "explicit method with a body",
			method: "PUT",
			target: "/put",
			body:   `{"a":1}`,
			header: http.Header{"Content-Type": {"application/json"}},
			want:   "PUT /put HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
		},
		{
			name:   "Host header overrides the URL's host",
			header: http.Header{"Host": {"svc.mesh.local"}, "X-Trace": {"on"}},
			want:   "GET / HTTP/1.1\r\nHost: svc.mesh.local\r\nX-Trace: on\r\n\r\n",
		},
		{name: "HEAD", method: "HEAD", target: "/h", want: "HEAD /h HTTP/1.1\r\nHost: {host}\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan []byte, 2)
			srv := startH1Server(t, func(_ *h1Server, conn net.Conn) {
				br := bufio.NewReader(conn)
				for {
					raw, err := readRawH1Request(br)
					if err != nil {
						return
					}
					got <- raw
					if _, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); err != nil {
						return
					}
				}
			})
			u, err := url.Parse("http://" + srv.ln.Addr().String() + tt.target)
			if err != nil {
				t.Fatal(err)
			}
			c := openH1Conn(t, Spec{URL: u, Method: tt.method, Header: tt.header, Body: []byte(tt.body), Timeout: 5 * time.Second})
			want := strings.ReplaceAll(tt.want, "{host}", srv.ln.Addr().String())
			// Twice: the second request shows that the first one sent
			// no bytes beyond its own end.
			for i := range 2 {
				if status, err := c.Do(t.Context()); status != 200 || err != nil {
					t.Fatalf("request %d: Do = %d, %v; want 200, nil", i, status, err)
				}
				if g := string(<-got); g != want {
					t.Errorf("request %d sent\n%q\nwant\n%q", i, g, want)
				}
			}
			if n := srv.accepted.Load(); n != 1 {
				t.Errorf("server accepted %d connections; want 1", n)
			}
		})
	}
}

// h1Outcome is what one Do should return.
type h1Outcome struct {
	status int
	kind   Kind
}

func repeatOutcome(n int, o h1Outcome) []h1Outcome {
	out := make([]h1Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

// h1Exchange is a server's script and what a client must make of it.
type h1Exchange struct {
	name      string
	method    string
	steps     []h1Step
	want      []h1Outcome // one per Do, in order
	wantConns int64       // connections the server accepted
}

// Values the exchanges share.
var (
	exOK        = h1Outcome{status: 200}
	exBigBody   = strings.Repeat("x", 100_000)
	exBigHeader = "X-Big: " + strings.Repeat("y", 40<<10) + "\r\n"
)

// h1Exchanges are the exchanges that TestHTTP1Exchanges runs on a Conn and
// on the event loop.
var h1Exchanges = []h1Exchange{
	{
		name:      "Content-Length body keeps the connection",
		steps:     []h1Step{{resp: h1OK}},
		want:      repeatOutcome(50, exOK),
		wantConns: 1,
	},
	{
		name: "chunked body with extensions and trailers",
		steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;name=value\r\nhello\r\n" +
			"7 ; quoted=\"a;b\"; flag\r\n, world\r\n" +
			"0;last\r\nX-Trailer: 1\r\nX-Checksum: abc\r\n\r\n"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 1,
	},
	{
		name: "chunked after other codings",
		steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
			"3\r\n\x1f\x8b\x08\r\n0\r\n\r\n"}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name:      "204 has no body",
		steps:     []h1Step{{resp: "HTTP/1.1 204 No Content\r\n\r\n"}},
		want:      repeatOutcome(5, h1Outcome{status: 204}),
		wantConns: 1,
	},
	{
		name:      "304 has no body despite Content-Length",
		steps:     []h1Step{{resp: "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n"}},
		want:      repeatOutcome(5, h1Outcome{status: 304}),
		wantConns: 1,
	},
	{
		name:      "HEAD response has no body despite Content-Length",
		method:    "HEAD",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 1,
	},
	{
		name:      "HEAD response has no body despite chunked",
		method:    "HEAD",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 1,
	},
	{
		name: "status codes pass through",
		steps: []h1Step{
			{resp: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"},
			{resp: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"},
			{resp: "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"},
			{resp: "HTTP/1.1 599\r\nContent-Length: 0\r\n\r\n"},
			{resp: "HTTP/1.1 999 Beyond\r\nContent-Length: 0\r\n\r\n"},
		},
		want:      []h1Outcome{{status: 503}, {status: 404}, {status: 302}, {status: 599}, {status: 999}},
		wantConns: 1,
	},
	{
		name: "interim responses are skipped",
		steps: []h1Step{{resp: "HTTP/1.1 100 Continue\r\n\r\n" +
			"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + h1OK}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name:      "field names and tokens are case-insensitive",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\nCONNECTION: Keep-Alive\r\n\r\nabc"}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name:      "body larger than the read buffer",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + exBigBody}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name: "chunked body larger than the read buffer",
		steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strconv.FormatInt(int64(len(exBigBody)), 16) + "\r\n" + exBigBody + "\r\n0\r\n\r\n"}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name:      "header line larger than the read buffer",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\n" + exBigHeader + "Content-Length: 2\r\n\r\nok"}},
		want:      repeatOutcome(3, exOK),
		wantConns: 1,
	},
	{
		name:      "Connection: close redials for each request",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", then: thenClose}},
		want:      repeatOutcome(5, exOK),
		wantConns: 5,
	},
	{
		name:      "Connection: close is honoured even if the server keeps the connection",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 5,
	},
	{
		name:      "HTTP/1.0 without keep-alive closes",
		steps:     []h1Step{{resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 5,
	},
	{
		name:      "HTTP/1.0 with keep-alive is reused",
		steps:     []h1Step{{resp: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"}},
		want:      repeatOutcome(5, exOK),
		wantConns: 1,
	},
	{
		name:      "body delimited by the end of the connection",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\n\r\n" + exBigBody, then: thenClose}},
		want:      repeatOutcome(3, exOK),
		wantConns: 3,
	},
	{
		name: "Transfer-Encoding and Content-Length: chunked wins, then close",
		steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"2\r\nok\r\n0\r\n\r\n"}},
		want:      repeatOutcome(3, exOK),
		wantConns: 3,
	},
	{
		name:      "stale keep-alive connection is retried once",
		steps:     []h1Step{{resp: h1OK, then: thenClose}, {resp: h1OK}},
		want:      repeatOutcome(3, exOK),
		wantConns: 2,
	},
	{
		name:      "retry of a stale connection is not repeated",
		steps:     []h1Step{{resp: h1OK, then: thenClose}, {then: thenClose}},
		want:      []h1Outcome{exOK, {kind: KindReset}},
		wantConns: 2,
	},
	{
		name:      "close before responding on a new connection is not retried",
		steps:     []h1Step{{then: thenClose}, {resp: h1OK}},
		want:      []h1Outcome{{kind: KindReset}, exOK, exOK},
		wantConns: 2,
	},
	{
		name:      "partial response on a reused connection is not retried",
		steps:     []h1Step{{resp: h1OK}, {resp: "HTTP/1.1 200 OK\r\nContent-Len", then: thenClose}, {resp: h1OK}},
		want:      []h1Outcome{exOK, {kind: KindReset}, exOK},
		wantConns: 2,
	},
	{
		name:      "close mid-body is a reset, then a redial",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", then: thenClose}, {resp: h1OK}},
		want:      []h1Outcome{{kind: KindReset}, exOK},
		wantConns: 2,
	},
	{
		name: "close mid-chunk is a reset",
		steps: []h1Step{
			{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort", then: thenClose},
			{resp: h1OK},
		},
		want:      []h1Outcome{{kind: KindReset}, exOK},
		wantConns: 2,
	},
	{
		name:      "garbage is a protocol error, then a redial",
		steps:     []h1Step{{resp: "garbage\r\n\r\n"}, {resp: h1OK}},
		want:      []h1Outcome{{kind: KindProtocol}, exOK, exOK},
		wantConns: 2,
	},
	{
		name:      "HTTP/2 status line is a protocol error",
		steps:     []h1Step{{resp: "HTTP/2 200\r\n\r\n"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
	{
		name:      "invalid Content-Length is a protocol error",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
	{
		name:      "conflicting Content-Lengths are a protocol error",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
	{
		name:      "bad chunk size is a protocol error",
		steps:     []h1Step{{resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
	{
		name:      "unrequested upgrade is a protocol error",
		steps:     []h1Step{{resp: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
	{
		name: "head over the size limit is a protocol error",
		steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\n" +
			strings.Repeat("X-Filler: "+strings.Repeat("z", 1000)+"\r\n", h1MaxHead/1000) + "\r\n"}},
		want:      []h1Outcome{{kind: KindProtocol}},
		wantConns: 1,
	},
}

func TestHTTP1Exchanges(t *testing.T) {
	tests := h1Exchanges
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startH1Server(t, h1Script(tt.steps...))
			c := openH1Conn(t, Spec{URL: srv.url("/"), Method: tt.method, Timeout: 5 * time.Second})
			for i, want := range tt.want {
				status, err := c.Do(t.Context())
				if status != want.status || KindOf(err) != want.kind {
					t.Fatalf("request %d: Do = %d, %v (kind %v); want %d, kind %v",
						i, status, err, KindOf(err), want.status, want.kind)
				}
				if err != nil {
					var te *Error
					if !errors.As(err, &te) {
						t.Errorf("request %d: error %v is not an *Error", i, err)
					}
				}
			}
			if n := srv.accepted.Load(); n != tt.wantConns {
				t.Errorf("server accepted %d connections; want %d", n, tt.wantConns)
			}
		})
		t.Run(tt.name+"/event loop", func(t *testing.T) {
			srv := startH1Server(t, h1Script(tt.steps...))
			spec := Spec{URL: srv.url("/"), Method: tt.method, Timeout: 5 * time.Second}
			checkLoopOutcomes(t, runSeqLoop(t, spec, len(tt.want), nil), tt.want)
			if n := srv.accepted.Load(); n != tt.wantConns {
				t.Errorf("server accepted %d connections; want %d", n, tt.wantConns)
			}
		})
	}
}

func TestHTTP1AgainstNetHTTP(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		body    string
		handler http.HandlerFunc
		want    int
	}{
		{
			name:    "small body",
			handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") },
			want:    200,
		},
		{
			name: "flushed (chunked) body",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "part one,")
				w.(http.Flusher).Flush()
				_, _ = io.WriteString(w, "part two")
			},
			want: 200,
		},
		{
			name:    "large body",
			handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(make([]byte, 1<<20)) },
			want:    200,
		},
		{
			name:    "HEAD",
			method:  "HEAD",
			handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "dropped by net/http") },
			want:    200,
		},
		{
			name:    "POST body echoed",
			body:    "ping",
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) },
			want:    200,
		},
		{
			name:    "204",
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
			want:    204,
		},
		{
			name:    "503",
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) },
			want:    503,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			u, err := url.Parse(srv.URL + "/x")
			if err != nil {
				t.Fatal(err)
			}
			c := openH1Conn(t, Spec{URL: u, Method: tt.method, Body: []byte(tt.body), Timeout: 5 * time.Second})
			for i := range 20 {
				if status, err := c.Do(t.Context()); status != tt.want || err != nil {
					t.Fatalf("request %d: Do = %d, %v; want %d, nil", i, status, err, tt.want)
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("server saw %d connections; want 1", n)
			}
		})
	}
}

func TestHTTP1DialFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name       string
		dial       DialFunc
		want       Kind
		minElapsed time.Duration
	}{
		{name: "connection refused", want: KindConnectRefused},
		{
			name: "dialer error",
			dial: func(context.Context, string, string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no route in this namespace")}
			},
			want: KindConnect,
		},
		{
			name: "dialer returns nothing",
			dial: func(context.Context, string, string) (net.Conn, error) { return nil, nil },
			want: KindConnect,
		},
		{
			name: "dial blocks until the timeout",
			dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				<-ctx.Done()
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
			},
			want:       KindConnectTimeout,
			minElapsed: timeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{URL: &url.URL{Scheme: "http", Host: closedAddr, Path: "/"}, Timeout: timeout, Dial: tt.dial}
			c := openH1Conn(t, spec)
			start := time.Now()
			status, err := c.Do(t.Context())
			elapsed := time.Since(start)
			if status != 0 || KindOf(err) != tt.want {
				t.Fatalf("Do = %d, %v (kind %v); want 0, kind %v", status, err, KindOf(err), tt.want)
			}
			if elapsed < tt.minElapsed || elapsed > tt.minElapsed+2*time.Second {
				t.Errorf("Do took %v; want %v to %v", elapsed, tt.minElapsed, tt.minElapsed+2*time.Second)
			}
			// The event loop dials on a goroutine, with the same outcome.
			got := runSeqLoop(t, spec, 1, nil)[0]
			if got.status != 0 || KindOf(got.err) != tt.want {
				t.Fatalf("event loop: %d, %v (kind %v); want 0, kind %v", got.status, got.err, KindOf(got.err), tt.want)
			}
			if got.elapsed < tt.minElapsed || got.elapsed > tt.minElapsed+2*time.Second {
				t.Errorf("event loop: the request took %v; want %v to %v", got.elapsed, tt.minElapsed, tt.minElapsed+2*time.Second)
			}
		})
	}
}

func TestHTTP1Timeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name        string
		steps       []h1Step
		specTimeout time.Duration
		ctxTimeout  time.Duration // 0: no deadline on ctx
	}{
		{name: "server never answers", steps: []h1Step{{then: thenHang}, {resp: h1OK}}, specTimeout: timeout},
		{
			name:        "server stalls mid-body",
			steps:       []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", then: thenHang}, {resp: h1OK}},
			specTimeout: timeout,
		},
		{
			name:        "ctx deadline earlier than Timeout",
			steps:       []h1Step{{then: thenHang}, {resp: h1OK}},
			specTimeout: time.Minute,
			ctxTimeout:  timeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startH1Server(t, h1Script(tt.steps...))
			c := openH1Conn(t, Spec{URL: srv.url("/"), Timeout: tt.specTimeout})
			ctx := t.Context()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			start := time.Now()
			status, err := c.Do(ctx)
			elapsed := time.Since(start)
			if status != 0 || KindOf(err) != KindTimeout {
				t.Fatalf("Do = %d, %v (kind %v); want 0, kind timeout", status, err, KindOf(err))
			}
			if elapsed < timeout-10*time.Millisecond || elapsed > timeout+2*time.Second {
				t.Errorf("Do took %v; want about %v", elapsed, timeout)
			}
			// The timed-out connection is closed; the next request redials.
			if status, err := c.Do(t.Context()); status != 200 || err != nil {
				t.Fatalf("Do after the timeout = %d, %v; want 200, nil", status, err)
			}
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("server accepted %d connections; want 2", n)
			}
		})
	}
}

func TestHTTP1Cancel(t *testing.T) {
	tests := []struct {
		name  string
		steps []h1Step
	}{
		{name: "while waiting for the response", steps: []h1Step{{then: thenHang}}},
		{name: "while reading the body", steps: []h1Step{{resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", then: thenHang}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startH1Server(t, h1Script(tt.steps...))
			c := openH1Conn(t, Spec{URL: srv.url("/"), Timeout: time.Minute})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			type result struct {
				status int
				err    error
			}
			done := make(chan result, 1)
			go func() {
				status, err := c.Do(ctx)
				done <- result{status, err}
			}()
			select {
			case <-srv.received:
			case <-time.After(10 * time.Second):
				t.Fatal("server did not receive the request within 10s")
			}
			start := time.Now()
			cancel()
			select {
			case r := <-done:
				if r.status != 0 || KindOf(r.err) != KindCanceled {
					t.Errorf("Do = %d, %v (kind %v); want 0, kind canceled", r.status, r.err, KindOf(r.err))
				}
				if !errors.Is(r.err, context.Canceled) {
					t.Errorf("Do error %v does not wrap context.Canceled", r.err)
				}
				if elapsed := time.Since(start); elapsed > time.Second {
					t.Errorf("Do returned %v after cancel; want promptly", elapsed)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Do did not return within 10s of cancel")
			}
		})
	}
}

func TestHTTP1ContextChanges(t *testing.T) {
	srv := startH1Server(t, h1Script(h1Step{resp: h1OK}))
	c := openH1Conn(t, Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
	do := func(ctx context.Context, want h1Outcome) {
		t.Helper()
		if status, err := c.Do(ctx); status != want.status || KindOf(err) != want.kind {
			t.Fatalf("Do = %d, %v; want %d, kind %v", status, err, want.status, want.kind)
		}
	}
	ok := h1Outcome{status: 200}

	ctx1, cancel1 := context.WithCancel(t.Context())
	do(ctx1, ok)
	do(ctx1, ok)
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	do(ctx2, ok) // a new live context reuses the connection
	do(context.Background(), ok)
	if n := srv.accepted.Load(); n != 1 {
		t.Fatalf("server accepted %d connections; want 1", n)
	}

	do(ctx1, ok)
	cancel1()
	// The cancelled context's callback has started, and it moves the
	// socket's deadline to the past, so the next request must redial.
	do(ctx2, ok)
	do(ctx2, ok)
	if n := srv.accepted.Load(); n != 2 {
		t.Fatalf("server accepted %d connections; want 2", n)
	}
	do(ctx1, h1Outcome{kind: KindCanceled})
}

func TestHTTP1DialsLazilyAndClosesIdempotently(t *testing.T) {
	srv := startH1Server(t, h1Script(h1Step{resp: h1OK}))
	var dials atomic.Int64
	var d net.Dialer
	open, err := NewHTTP1(Spec{URL: srv.url("/"), Timeout: 5 * time.Second,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		}})
	if err != nil {
		t.Fatal(err)
	}
	unused := open()
	for i := range 2 {
		if err := unused.Close(); err != nil {
			t.Errorf("Close %d of a never-dialed Conn: %v", i, err)
		}
	}
	c := open()
	if n := dials.Load(); n != 0 {
		t.Fatalf("%d dials before the first Do; want 0", n)
	}
	for range 3 {
		if status, err := c.Do(t.Context()); status != 200 || err != nil {
			t.Fatalf("Do = %d, %v; want 200, nil", status, err)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d dials for 3 requests; want 1", n)
	}
	for i := range 2 {
		if err := c.Close(); err != nil {
			t.Errorf("Close %d: %v", i, err)
		}
	}
	if status, err := c.Do(t.Context()); status != 200 || err != nil {
		t.Fatalf("Do after Close = %d, %v; want 200, nil", status, err)
	}
	if n := dials.Load(); n != 2 {
		t.Fatalf("%d dials; want 2 (one after Close)", n)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestHTTP1UnrequestedBytesFailTheNextRequest(t *testing.T) {
	// net.Pipe delivers each server write whole to the client's read, so
	// the bytes after the response are read together with it. They answer
	// no request: the next one fails, unsent, and its connection closes.
	var (
		dials atomic.Int64
		addrs = make(chan string, 8)
		wg    sync.WaitGroup
	)
	t.Cleanup(wg.Wait)
	dial := func(_ context.Context, _, addr string) (net.Conn, error) {
		dials.Add(1)
		addrs <- addr
		client, server := net.Pipe()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer server.Close()
			br := bufio.NewReader(server)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					return
				}
				if _, err := io.WriteString(server, h1OK+"EXTRA"); err != nil {
					return
				}
			}
		}()
		return client, nil
	}
	c := openH1Conn(t, Spec{URL: &url.URL{Scheme: "http", Host: "svc.test", Path: "/"}, Timeout: 5 * time.Second, Dial: dial})
	for i := range 5 {
		status, err := c.Do(t.Context())
		if i%2 == 1 {
			if status != 0 || KindOf(err) != KindProtocol || !strings.Contains(err.Error(), `unsolicited response`) ||
				!strings.Contains(err.Error(), `"EXTRA"`) {
				t.Fatalf("request %d: Do = %d, %v; want a protocol error quoting the unsolicited bytes", i, status, err)
			}
			continue
		}
		if status != 200 || err != nil {
			t.Fatalf("request %d: Do = %d, %v; want 200, nil", i, status, err)
		}
		if addr := <-addrs; addr != "svc.test:80" {
			t.Errorf("request %d dialed %q; want svc.test:80", i, addr)
		}
	}
	if n := dials.Load(); n != 3 {
		t.Errorf("%d dials for 5 requests; want 3", n)
	}
}

func TestHTTP1CanceledBeforeDo(t *testing.T) {
	srv := startH1Server(t, h1Script(h1Step{resp: h1OK}))
	c := openH1Conn(t, Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if status, err := c.Do(ctx); status != 0 || KindOf(err) != KindCanceled {
		t.Fatalf("Do = %d, %v; want 0, kind canceled", status, err)
	}
	if n := srv.accepted.Load(); n != 0 {
		t.Errorf("server accepted %d connections; want 0", n)
	}
}

func TestHTTP1DoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		resp string
		ctx  func(t *testing.T) context.Context
	}{
		{
			name: "Content-Length, background ctx",
			resp: h1OK,
			ctx:  func(*testing.T) context.Context { return context.Background() },
		},
		{
			name: "chunked, cancellable ctx",
			resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
			ctx:  func(t *testing.T) context.Context { return t.Context() },
		},
		{
			name: "Content-Length, ctx with deadline",
			resp: h1OK,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				t.Cleanup(cancel)
				return ctx
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startH1Server(t, serveFixedH1([]byte(tt.resp)))
			c := openH1Conn(t, Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
			ctx := tt.ctx(t)
			var failed error
			do := func() {
				if _, err := c.Do(ctx); err != nil && failed == nil {
					failed = err
				}
			}
			for range 10 {
				do()
			}
			allocs := testing.AllocsPerRun(1000, do)
			if failed != nil {
				t.Fatalf("Do: %v", failed)
			}
			if allocs != 0 {
				t.Errorf("Do allocates %.2f times per request; want 0", allocs)
			}
			if n := srv.accepted.Load(); n != 1 {
				t.Errorf("server accepted %d connections; want 1", n)
			}
		})
	}
}

// pathName names a subtest by the client path it runs: a Conn, or the
// event loop.
func pathName(viaLoop bool) string {
	if viaLoop {
		return "/event loop"
	}
	return ""
}

// newTestRespReader returns a respReader over src with a small buffer, so that
// lines and bodies cross buffer boundaries.
func newTestRespReader(src io.Reader, size, limit int) *respReader {
	return &respReader{src: src, buf: make([]byte, size), max: limit}
}

func TestParseResponse(t *testing.T) {
	const limit = 1024
	tests := []struct {
		name     string
		in       string
		head     bool
		want     int  // status
		wantKeep bool // connection reusable
		wantKind Kind
		wantRest string // bytes left unconsumed
	}{
		{name: "Content-Length", in: h1OK + "NEXT", want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "zero Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT", want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "repeated equal Content-Length list", in: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nokNEXT", want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "leading zeros", in: "HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000000002\r\n\r\nokNEXT", want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "bare LF line ends", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nokNEXT", want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "no reason phrase", in: "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", want: 201, wantKeep: true},
		{name: "status 600 is kept", in: "HTTP/1.1 600 Six\r\nContent-Length: 0\r\n\r\n", want: 600, wantKeep: true},
		{name: "status 799 is kept", in: "HTTP/1.1 799\r\nContent-Length: 0\r\n\r\n", want: 799, wantKeep: true},
		{name: "status 999 is kept", in: "HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nokNEXT", want: 999, wantKeep: true, wantRest: "NEXT"},
		{name: "empty reason phrase", in: "HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n", want: 201, wantKeep: true},
		{name: "whitespace around values", in: "HTTP/1.1 200 OK\r\nContent-Length:\t 2 \t\r\n\r\nok", want: 200, wantKeep: true},
		{
			name: "chunked with extensions and trailers",
			in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5;a=b\r\nhello\r\n000A ; q=\"x;y\"\r\n0123456789\r\n0\r\nT: 1\r\nU: 2\r\n\r\nNEXT",
			want: 200, wantKeep: true, wantRest: "NEXT",
		},
		{name: "chunk size in upper case hex", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", want: 200, wantKeep: true},
		{name: "HTTP/1.0 closes", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", want: 200},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", want: 200, wantKeep: true},
		{name: "Connection list with close", in: "HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 0\r\n\r\n", want: 200},
		{name: "interim responses", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n" + h1OK, want: 200, wantKeep: true},
		{name: "HEAD leaves what follows", in: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nNEXT", head: true, want: 200, wantKeep: true, wantRest: "NEXT"},
		{name: "204 ignores Content-Length", in: "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nNEXT", want: 204, wantKeep: true, wantRest: "NEXT"},
		{name: "body until EOF", in: "HTTP/1.1 200 OK\r\n\r\nall of this", want: 200},
		{name: "unknown coding reads until EOF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nall of this", want: 200},
		{name: "chunked not last reads until EOF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n", want: 200},
		{name: "chunked wins over Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nNEXT", want: 200, wantRest: "NEXT"},
		{name: "folded unrelated field", in: "HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n", want: 200, wantKeep: true},
		{name: "long line grows the buffer", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 700) + "\r\nContent-Length: 0\r\n\r\n", want: 200, wantKeep: true},

		{name: "empty input", in: "", wantKind: KindReset},
		{name: "truncated status line", in: "HTTP/1.1 20", wantKind: KindReset},
		{name: "truncated head", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", wantKind: KindReset},
		{name: "truncated after interim", in: "HTTP/1.1 100 Continue\r\n\r\n", wantKind: KindReset},
		{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", wantKind: KindReset},
		{name: "truncated chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", wantKind: KindReset},
		{name: "missing last chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", wantKind: KindReset},
		{name: "truncated trailers", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n", wantKind: KindReset},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH_9.6\r\n", wantKind: KindProtocol},
		{name: "HTTP/2", in: "HTTP/2 200\r\n\r\n", wantKind: KindProtocol},
		{name: "two-digit status", in: "HTTP/1.1 20 OK\r\n\r\n", wantKind: KindProtocol},
		{name: "four-digit status", in: "HTTP/1.1 2000 OK\r\n\r\n", wantKind: KindProtocol},
		{name: "status below 100", in: "HTTP/1.1 099 Low\r\n\r\n", wantKind: KindProtocol},
		{name: "one-digit status", in: "HTTP/1.1 2 OK\r\n\r\n", wantKind: KindProtocol},
		{name: "five-digit status", in: "HTTP/1.1 20000\r\n\r\n", wantKind: KindProtocol},
		{name: "status with a sign", in: "HTTP/1.1 +99 OK\r\n\r\n", wantKind: KindProtocol},
		{name: "status not a number", in: "HTTP/1.1 abc OK\r\n\r\n", wantKind: KindProtocol},
		{name: "101", in: "HTTP/1.1 101 Switching Protocols\r\n\r\n", wantKind: KindProtocol},
		{name: "field without colon", in: "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", wantKind: KindProtocol},
		{name: "field with empty name", in: "HTTP/1.1 200 OK\r\n: x\r\n\r\n", wantKind: KindProtocol},
		{name: "space before colon", in: "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", wantKind: KindProtocol},
		{name: "negative Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantKind: KindProtocol},
		{name: "signed Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", wantKind: KindProtocol},
		{name: "empty Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", wantKind: KindProtocol},
		{name: "huge Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n", wantKind: KindProtocol},
		{name: "unequal Content-Length list", in: "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nxx", wantKind: KindProtocol},
		{name: "folded Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\nx", wantKind: KindProtocol},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n", wantKind: KindProtocol},
		{name: "empty chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", wantKind: KindProtocol},
		{name: "junk after chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", wantKind: KindProtocol},
		{name: "chunk size overflow", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", wantKind: KindProtocol},
		{name: "chunk longer than its size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n", wantKind: KindProtocol},
		{name: "head over the limit", in: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: 0123456789\r\n", limit/15+1) + "\r\n", wantKind: KindProtocol},
		{name: "line over the limit", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", limit) + "\r\n\r\n", wantKind: KindProtocol},
		{name: "interims over the limit", in: strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", limit/25+1) + h1OK, wantKind: KindProtocol},
		{name: "trailers over the limit", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + strings.Repeat("T: 0123456789\r\n", limit/15+1) + "\r\n", wantKind: KindProtocol},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{name: "whole", wrap: func(r io.Reader) io.Reader { return r }},
		{name: "data with EOF", wrap: iotest.DataErrReader},
		{name: "one byte at a time", wrap: iotest.OneByteReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				p := newTestRespReader(rd.wrap(strings.NewReader(tt.in)), 64, limit)
				status, keep, err := p.response(tt.head)
				if status != tt.want || keep != tt.wantKeep || KindOf(err) != tt.wantKind {
					t.Fatalf("response() = %d, keep %v, %v (kind %v); want %d, keep %v, kind %v",
						status, keep, err, KindOf(err), tt.want, tt.wantKeep, tt.wantKind)
				}
				if err != nil {
					return
				}
				rest, _ := io.ReadAll(io.MultiReader(bytes.NewReader(p.buf[p.r:p.w]), p.src))
				if string(rest) != tt.wantRest {
					t.Errorf("left %q unconsumed; want %q", rest, tt.wantRest)
				}
			})
		}
	}
}

// BenchmarkHTTP1Do measures one keep-alive request against an in-process
// server that writes a fixed response; the figures include the server's
// share of the work.
func BenchmarkHTTP1Do(b *testing.B) {
	benchmarks := []struct {
		name string
		resp string
	}{
		{name: "resp=content-length", resp: h1OK},
		{name: "resp=chunked", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "resp=4KiB", resp: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
			"Server: bench\r\nContent-Length: 4096\r\n\r\n" + strings.Repeat("b", 4096)},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			srv := startH1Server(b, serveFixedH1([]byte(bm.resp)))
			c := openH1Conn(b, Spec{URL: srv.url("/"), Timeout: 5 * time.Second})
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if status, err := c.Do(ctx); status != 200 || err != nil {
					b.Fatalf("Do = %d, %v; want 200, nil", status, err)
				}
			}
		})
	}
}

// TestHTTP1UnsolicitedResponses checks that bytes which arrive while no
// request is outstanding (an extra response, or one written before the
// request) are a protocol error for the next request, whose connection is
// closed, and never shift the pairing of requests and responses.
// h1UnsolicitedCase is a server that writes bytes no request asked for,
// and what the client must make of them.
type h1UnsolicitedCase struct {
	name      string
	early     string // written on each connection before its first request
	extra     string // written after the first response on the first connection
	want      []h1Outcome
	wantConns int64
}

func TestHTTP1UnsolicitedResponses(t *testing.T) {
	const (
		first  = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
		second = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 6\r\n\r\nsecond"
	)
	tests := []h1UnsolicitedCase{
		{
			name:      "extra response after the first",
			extra:     second,
			want:      []h1Outcome{{status: 200}, {kind: KindProtocol}, {status: 200}},
			wantConns: 2,
		},
		{
			name:      "response before the request",
			early:     second,
			want:      []h1Outcome{{kind: KindProtocol}, {kind: KindProtocol}},
			wantConns: 2,
		},
		{
			// As Go's net/http client does, a 408 on an idle connection
			// is the server closing it, and the request goes on a new one.
			name:      "408 on an idle connection",
			extra:     "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
			want:      []h1Outcome{{status: 200}, {status: 200}, {status: 200}},
			wantConns: 2,
		},
		{
			name:      "stray bytes after the first response",
			extra:     "\r\n",
			want:      []h1Outcome{{status: 200}, {kind: KindProtocol}, {status: 200}},
			wantConns: 2,
		},
	}
	for _, tt := range tests {
		for _, viaLoop := range []bool{false, true} {
			t.Run(tt.name+pathName(viaLoop), func(t *testing.T) { testUnsolicited(t, tt, first, viaLoop) })
		}
	}
}

// testUnsolicited runs one case of TestHTTP1UnsolicitedResponses on a
// Conn, or on the event loop; first is the response to every request.
func testUnsolicited(t *testing.T, tt h1UnsolicitedCase, first string, viaLoop bool) {
	written := make(chan struct{}, 8) // a value per unsolicited write
	var extraSent atomic.Bool         // extra goes on the first connection only
	srv := startH1Server(t, func(s *h1Server, conn net.Conn) {
		if tt.early != "" {
			if _, err := io.WriteString(conn, tt.early); err != nil {
				return
			}
			written <- struct{}{}
		}
		br := bufio.NewReader(conn)
		for i := 0; ; i++ {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(conn, first); err != nil {
				return
			}
			if i == 0 && tt.extra != "" && !extraSent.Swap(true) {
				// The client has the first response before this
				// write starts, so the bytes come apart from it.
				time.Sleep(20 * time.Millisecond)
				if _, err := io.WriteString(conn, tt.extra); err != nil {
					return
				}
				written <- struct{}{}
			}
		}
	})
	wait := func() {
		select {
		case <-written:
		case <-time.After(10 * time.Second):
			t.Error("the server did not write within 10s")
		}
	}
	var d net.Dialer
	spec := Spec{URL: srv.url("/"), Timeout: 5 * time.Second,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil && tt.early != "" {
				wait() // the early bytes are there before the request is written
			}
			return conn, err
		}}
	if viaLoop {
		got := runSeqLoop(t, spec, len(tt.want), func(i int) {
			if tt.extra != "" && i == 1 {
				wait()
			}
		})
		checkLoopOutcomes(t, got, tt.want)
		for i, g := range got {
			if g.err != nil && !strings.Contains(g.err.Error(), "protocol: http1: unsolicited response") {
				t.Errorf("request %d: error %q; want it to say \"protocol: http1: unsolicited response\"", i, g.err)
			}
		}
	}
	c := openH1Conn(t, spec)
	for i, want := range tt.want {
		if viaLoop {
			break
		}
		if tt.extra != "" && i == 1 {
			wait()
		}
		status, err := c.Do(t.Context())
		if status != want.status || KindOf(err) != want.kind {
			t.Fatalf("request %d: Do = %d, %v (kind %v); want %d, kind %v", i, status, err, KindOf(err), want.status, want.kind)
		}
		if err != nil && !strings.Contains(err.Error(), "protocol: http1: unsolicited response") {
			t.Errorf("request %d: error %q; want it to say \"protocol: http1: unsolicited response\"", i, err)
		}
	}
	if n := srv.accepted.Load(); n != tt.wantConns {
		t.Errorf("server accepted %d connections; want %d", n, tt.wantConns)
	}
}

// BenchmarkHTTP1IdleProbe measures the check for unsolicited bytes that
// precedes each request: one non-blocking peek at an idle socket.
func BenchmarkHTTP1IdleProbe(b *testing.B) {
	srv := startH1Server(b, h1Script(h1Step{resp: h1OK}))
	conn, err := net.Dial("tcp", srv.ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	var p idleProbe
	p.reset(conn)
	b.ReportAllocs()
	for b.Loop() {
		if waiting, err := p.waiting(); waiting || err != nil {
			b.Fatalf("waiting = %v, %v on an idle connection", waiting, err)
		}
	}
}
