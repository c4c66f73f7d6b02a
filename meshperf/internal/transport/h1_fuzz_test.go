package transport

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// h1FuzzSeeds are realistic response streams, some with several responses
// back to back as on a keep-alive connection.
var h1FuzzSeeds = []string{
	h1OK,
	h1OK + h1OK,
	"HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Server: envoy\r\nX-Envoy-Upstream-Service-Time: 1\r\nContent-Length: 12\r\n\r\nhello, mesh!",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
		"5;name=value\r\nhello\r\n7 ; q=\"a;b\"\r\n, world\r\n0;last\r\nX-Checksum: abc\r\n\r\n" + h1OK,
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\n\x1f\x8b\x08\r\n0\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + h1OK,
	"HTTP/1.1 204 No Content\r\n\r\n" + h1OK,
	"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 99\r\n\r\n",
	"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
	"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok" + h1OK,
	"HTTP/1.1 200 OK\r\n\r\nbody until the connection closes",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
	"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n",
	"HTTP/2 200\r\n\r\n",
	"garbage\r\n\r\n",
	"",
}

// h1ParseResult is everything parseH1Stream observed.
type h1ParseResult struct {
	statuses []int
	keep     []bool
	err      string
}

// parseH1Stream parses responses from src until one ends the connection or
// an error (including the end of input) stops it, checking the reader's
// invariants after each response.
func parseH1Stream(t *testing.T, src io.Reader, head bool, inputLen int) h1ParseResult {
	t.Helper()
	const size, limit = 32, 2048
	p := newTestRespReader(src, size, limit)
	var res h1ParseResult
	// Each response consumes at least a status line, so input of n bytes
	// holds at most n responses.
	for range inputLen + 1 {
		status, keep, err := p.response(head)
		if p.r < 0 || p.r > p.w || p.w > len(p.buf) || len(p.buf) > max(size, limit) {
			t.Fatalf("reader state out of bounds: r=%d w=%d len=%d", p.r, p.w, len(p.buf))
		}
		if err != nil {
			if status != 0 || keep {
				t.Fatalf("response() = %d, keep %v with error %v; want 0, false", status, keep, err)
			}
			if k := KindOf(err); k != KindProtocol && k != KindReset {
				t.Fatalf("error %v has kind %v; want protocol or reset", err, k)
			}
			res.err = err.Error()
			return res
		}
		if status < 200 || status > 999 {
			t.Fatalf("response() = status %d without error; want 200-999", status)
		}
		res.statuses = append(res.statuses, status)
		res.keep = append(res.keep, keep)
		if !keep {
			return res
		}
	}
	t.Fatalf("parsed more responses than there are input bytes (%d)", inputLen)
	return res
}

// parseH1Fed parses responses as the event loop does: it copies data into
// the reader's buffer chunk bytes at a time, as reads of a non-blocking
// socket would, and resumes the parse after each copy.
func parseH1Fed(t *testing.T, data []byte, head bool, chunk int) h1ParseResult {
	t.Helper()
	const size, limit = 32, 2048
	p := newTestRespReader(nil, size, limit)
	var res h1ParseResult
	total := len(data)
	for range total + 1 {
		p.begin(head)
		err := p.step()
		for steps := 0; err == errMore; steps++ {
			if steps > total+1 {
				t.Fatalf("the parse asked for more input %d times; there are only %d bytes", steps, total)
			}
			if len(data) == 0 {
				err = p.atEnd(io.EOF)
				break
			}
			if err = p.room(); err != nil {
				break
			}
			n := copy(p.buf[p.w:], data[:min(chunk, len(data))])
			p.w += n
			data = data[n:]
			err = p.step()
		}
		if err != nil {
			res.err = err.Error()
			return res
		}
		res.statuses = append(res.statuses, p.st.h.status)
		res.keep = append(res.keep, p.st.keepAlive)
		if !p.st.keepAlive {
			return res
		}
	}
	t.Fatalf("parsed more responses than there are input bytes")
	return res
}

// FuzzParseResponse checks that any input either parses or fails with a
// protocol or reset error, without panicking or looping, and that the
// result does not depend on how the input is split into reads.
func FuzzParseResponse(f *testing.F) {
	for _, s := range h1FuzzSeeds {
		f.Add([]byte(s), false)
		if strings.Contains(s, "Content-Length") {
			f.Add([]byte(s), true)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		whole := parseH1Stream(t, iotest.DataErrReader(bytes.NewReader(data)), head, len(data))
		bytewise := parseH1Stream(t, iotest.OneByteReader(bytes.NewReader(data)), head, len(data))
		if !slices.Equal(whole.statuses, bytewise.statuses) || !slices.Equal(whole.keep, bytewise.keep) ||
			whole.err != bytewise.err {
			t.Fatalf("read whole: %+v\nread a byte at a time: %+v", whole, bytewise)
		}
		// The event loop's path: the same results however the bytes
		// arrive.
		for _, chunk := range []int{1, 7, 4096} {
			fed := parseH1Fed(t, data, head, chunk)
			if !slices.Equal(whole.statuses, fed.statuses) || !slices.Equal(whole.keep, fed.keep) || whole.err != fed.err {
				t.Fatalf("read whole: %+v\nfed %d bytes at a time: %+v", whole, chunk, fed)
			}
		}
	})
}
