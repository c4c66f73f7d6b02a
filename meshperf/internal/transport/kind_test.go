package transport

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshperf/meshperf/internal/testenv"
)

// closedAddr returns a loopback address on which nothing listens.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		tb.Fatal(err)
	}
	return addr
}

// fullBacklogAddr returns a loopback address whose listener never accepts
// and whose accept queue is full, so that the kernel drops further SYNs and
// a connection attempt times out, as it does behind a firewall that drops.
func fullBacklogAddr(tb testing.TB) string {
	tb.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		tb.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		tb.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue until a connection attempt goes unanswered.
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		tb.Cleanup(func() { _ = c.Close() })
	}
	tb.Fatalf("the accept queue of %s never filled", addr)
	return ""
}

// dialErr returns a DialFunc that fails as the net package does, with errno
// from the named system call.
func dialErr(call string, errno syscall.Errno) DialFunc {
	return func(_ context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError(call, errno)}
	}
}

func TestDialFailuresNameTheCause(t *testing.T) {
	const timeout = 300 * time.Millisecond
	refused := closedAddr(t)
	tests := []struct {
		name     string
		addr     string   // dialled when dial is nil
		dial     DialFunc // nil: a net.Dialer
		wantName string   // Kind's String
		wantMsg  string   // the error's text contains this
	}{
		{name: "closed port", addr: refused, wantName: "connect refused", wantMsg: "connection refused"},
		{name: "listener that never accepts", addr: fullBacklogAddr(t), wantName: "connect timeout", wantMsg: "timeout"},
		{name: "ECONNREFUSED", dial: dialErr("connect", syscall.ECONNREFUSED), wantName: "connect refused", wantMsg: "connection refused"},
		{name: "ETIMEDOUT", dial: dialErr("connect", syscall.ETIMEDOUT), wantName: "connect timeout", wantMsg: "connection timed out"},
		{name: "EHOSTUNREACH", dial: dialErr("connect", syscall.EHOSTUNREACH), wantName: "connect unreachable", wantMsg: "no route to host"},
		{name: "ENETUNREACH", dial: dialErr("connect", syscall.ENETUNREACH), wantName: "connect unreachable", wantMsg: "network is unreachable"},
		{name: "EMFILE", dial: dialErr("socket", syscall.EMFILE), wantName: "local", wantMsg: "too many open files (ulimit -n "},
		{name: "ENFILE", dial: dialErr("socket", syscall.ENFILE), wantName: "local", wantMsg: "fs.file-max"},
		{name: "EADDRNOTAVAIL", dial: dialErr("connect", syscall.EADDRNOTAVAIL), wantName: "local", wantMsg: "ip_local_port_range"},
		{name: "ENOBUFS", dial: dialErr("socket", syscall.ENOBUFS), wantName: "local", wantMsg: "no buffer space"},
		{name: "ECONNRESET while connecting", dial: dialErr("connect", syscall.ECONNRESET), wantName: "connect", wantMsg: "connection reset by peer"},
		{name: "other dial error", dial: dialErr("connect", syscall.EPERM), wantName: "connect", wantMsg: "operation not permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr
			if addr == "" {
				addr = "127.0.0.1:9"
			}
			spec := Spec{URL: &url.URL{Scheme: "http", Host: addr, Path: "/"}, Timeout: timeout, Dial: tt.dial}
			for _, p := range []struct {
				name string
				new  func(Spec) (Opener, error)
			}{{"http1", NewHTTP1}, {"h2c", NewH2C}, {"grpc", NewGRPCHealth}} {
				open, err := p.new(spec)
				if err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				c := open()
				status, err := c.Do(t.Context())
				_ = c.Close()
				if status != 0 || KindOf(err).String() != tt.wantName {
					t.Errorf("%s: Do = %d, %v (kind %q); want 0, kind %q", p.name, status, err, KindOf(err), tt.wantName)
					continue
				}
				if msg := err.Error(); !strings.HasPrefix(msg, tt.wantName+": ") || !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("%s: error %q; want it to start with %q and contain %q", p.name, msg, tt.wantName+": ", tt.wantMsg)
				}
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := KindNone + 1; !strings.HasPrefix(k.String(), "kind("); k++ {
		name := k.String()
		if prev, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both named %q", prev, k, name)
		}
		seen[name] = k
	}
	for _, name := range []string{"connect refused", "connect timeout", "connect unreachable", "connect", "local",
		"timeout", "reset", "protocol", "canceled", "other"} {
		if _, ok := seen[name]; !ok {
			t.Errorf("no kind is named %q", name)
		}
	}
}

// TestDialUnreachableInNetns dials from inside a network namespace this
// test creates, where no packet can leave: without a route the kernel says
// the network is unreachable, and with an "unreachable" route that the host
// is.
func TestDialUnreachableInNetns(t *testing.T) {
	testenv.NeedRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Need(t, "iproute2", err)
	}
	var errs []error
	err := inNewNetns(func() error {
		do := func() {
			// 198.18.0.0/15 is reserved for tests; nothing routes it here.
			c := openConnHere(Spec{URL: &url.URL{Scheme: "http", Host: "198.18.0.1:80", Path: "/"}, Timeout: time.Second,
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr) // runs on this locked thread
				}})
			_, err := c.Do(context.Background())
			_ = c.Close()
			errs = append(errs, err)
		}
		do()
		for _, args := range [][]string{{"link", "set", "lo", "up"}, {"route", "add", "unreachable", "198.18.0.0/15"}} {
			if b, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, b)
			}
		}
		do()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"network is unreachable", "no route to host"} {
		err := errs[i]
		if KindOf(err).String() != "connect unreachable" || !strings.Contains(err.Error(), want) {
			t.Errorf("dial %d: %v (kind %q); want kind connect unreachable saying %q", i, err, KindOf(err), want)
		}
	}
}

// openConnHere builds an HTTP/1.1 Conn without a testing.TB, for use on a
// goroutine that must not call into the test.
func openConnHere(spec Spec) Conn {
	open, err := NewHTTP1(spec)
	if err != nil {
		return errConn{err}
	}
	return open()
}

type errConn struct{ err error }

func (c errConn) Do(context.Context) (int, error) { return 0, c.err }
func (errConn) Close() error                      { return nil }

func TestHTTP2AgainstAnHTTP1ServerIsAProtocolError(t *testing.T) {
	goHTTP1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(goHTTP1.Close)
	// A server that answers anything with a bare HTML page and closes, as
	// Python's http.server answers the HTTP/2 preface.
	bare := startH1Server(t, func(_ *h1Server, conn net.Conn) {
		buf := make([]byte, 64)
		if _, err := conn.Read(buf); err != nil {
			return
		}
		_, _ = io.WriteString(conn, "<!DOCTYPE HTML>\n<html><body>Error code: 505</body></html>\n")
		// Close gently: half-close, then drain what the client still sends
		// until it closes. Closing with its frames unread would answer them
		// with a reset, which can reach the client before the page does.
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, _ = io.Copy(io.Discard, conn)
	})
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "HTTP/1.1 server", url: goHTTP1.URL + "/", want: `answered in HTTP/1 ("HTTP/1.1 `},
		{name: "bare HTML answer", url: bare.url("/").String(), want: `first bytes ("<!DOCTYPE HTML>") are not an HTTP/2 SETTINGS frame`},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			name string
			new  func(Spec) (Opener, error)
		}{{"h2c", NewH2C}, {"grpc", NewGRPCHealth}} {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				open, err := p.new(Spec{URL: u, Timeout: 2 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				c := open()
				t.Cleanup(func() { _ = c.Close() })
				status, err := c.Do(t.Context())
				if status != 0 || KindOf(err) != KindProtocol || !strings.HasPrefix(err.Error(), "protocol: not gRPC/h2: ") ||
					!strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Do = %d, %v (kind %q); want kind protocol saying \"not gRPC/h2\" and %s", status, err, KindOf(err), tt.want)
				}
			})
		}
	}
}

func TestStartsWithSettings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "empty SETTINGS", in: "\x00\x00\x00\x04\x00\x00\x00\x00\x00", want: true},
		{name: "SETTINGS with two parameters", in: "\x00\x00\x0c\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64", want: true},
		{name: "SETTINGS ACK", in: "\x00\x00\x00\x04\x01\x00\x00\x00\x00", want: true},
		{name: "short but plausible", in: "\x00\x00\x06\x04", want: true},
		{name: "HTTP/1.1", in: "HTTP/1.1 400 Bad Request\r\n", want: false},
		{name: "HTML", in: "<!DOCTYPE HTML>", want: false},
		{name: "DATA frame", in: "\x00\x00\x05\x00\x00\x00\x00\x00\x01hello", want: false},
		{name: "SETTINGS on a stream", in: "\x00\x00\x00\x04\x00\x00\x00\x00\x01", want: false},
		{name: "SETTINGS of odd length", in: "\x00\x00\x05\x04\x00\x00\x00\x00\x00", want: false},
	}
	for _, tt := range tests {
		if got := startsWithSettings(tt.in); got != tt.want {
			t.Errorf("%s: startsWithSettings(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}

// inNewNetns runs fn on a goroutine whose thread has entered a new, empty
// network namespace; sockets fn opens, and commands it runs, belong to that
// namespace. The thread is never unlocked, so the runtime discards it when
// the goroutine ends.
func inNewNetns(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("unshare: %w", err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// TestFirewallsReadAsTheOSSaysInNetns puts a listener behind iptables rules
// in a network namespace of its own: a rule that drops SYNs reads as a
// connect timeout, one that rejects with a reset as refused (as a closed
// port does), and one that answers host-unreachable as unreachable.
func TestFirewallsReadAsTheOSSaysInNetns(t *testing.T) {
	testenv.NeedRoot(t)
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Need(t, tool, err)
		}
	}
	tests := []struct {
		name     string
		rule     []string // appended to "iptables -A INPUT -p tcp --dport PORT"
		wantName string
		wantMsg  string
	}{
		{name: "no rule", wantName: "", wantMsg: ""},
		{name: "DROP", rule: []string{"--syn", "-j", "DROP"}, wantName: "connect timeout", wantMsg: "timeout"},
		{name: "REJECT with a reset", rule: []string{"-j", "REJECT", "--reject-with", "tcp-reset"}, wantName: "connect refused", wantMsg: "connection refused"},
		{name: "REJECT host-unreachable", rule: []string{"-j", "REJECT", "--reject-with", "icmp-host-unreachable"}, wantName: "connect unreachable", wantMsg: "no route to host"},
	}
	errs := make([]error, len(tests))
	err := inNewNetns(func() error {
		if b, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			return fmt.Errorf("ip link set lo up: %v: %s", err, b)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					_, _ = io.WriteString(c, h1OK)
				}
				_ = c.Close()
			}
		}()
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		for i, tt := range tests {
			if tt.rule != nil {
				args := []string{"-w", "-F", "INPUT"}
				if b, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
					return fmt.Errorf("iptables %v: %v: %s", args, err, b)
				}
				args = append([]string{"-w", "-A", "INPUT", "-p", "tcp", "--dport", port}, tt.rule...)
				if b, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
					return fmt.Errorf("iptables %v: %v: %s", args, err, b)
				}
			}
			c := openConnHere(Spec{URL: &url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}, Timeout: 300 * time.Millisecond,
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr) // runs on this locked thread
				}})
			_, errs[i] = c.Do(context.Background())
			_ = c.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		err := errs[i]
		if tt.wantName == "" {
			if err != nil {
				t.Errorf("%s: %v; want the listener's answer", tt.name, err)
			}
			continue
		}
		if KindOf(err).String() != tt.wantName || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: %v (kind %q); want kind %q saying %q", tt.name, err, KindOf(err), tt.wantName, tt.wantMsg)
		}
	}
}
