package transport

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/meshperf/meshperf/internal/httpsyntax"
)

// respReader parses HTTP/1.1 responses through a reusable buffer. It keeps
// only what it needs to frame each response (status and the
// Content-Length, Transfer-Encoding and Connection fields) and discards
// bodies. It never consumes bytes past the end of a response: any that were
// read stay buffered, so responses can be read back to back.
//
// The parse is resumable (see step): it works on the bytes buffered so far
// and asks for more, so that the same rules serve a blocking connection,
// which pulls from src (response), and an event loop, which fills the
// buffer from a non-blocking socket as its bytes arrive.
type respReader struct {
	src      io.Reader // nil on an event loop, which fills buf itself
	buf      []byte
	r, w     int   // buf[r:w] is read but not consumed
	err      error // from src, returned once buf[r:w] is used up
	received int64 // bytes read from src since the caller last zeroed it
	max      int   // see h1MaxHead
	st       respState
}

// reset prepares the reader for a new connection.
func (p *respReader) reset(src io.Reader) {
	p.src, p.r, p.w, p.err, p.received = src, 0, 0, nil, 0
}

// buffered returns how many read bytes were not consumed.
func (p *respReader) buffered() int { return p.w - p.r }

// respHead holds what framing needs from one response head.
type respHead struct {
	status    int
	http10    bool  // HTTP/1.0: the connection closes unless keepAlive
	length    int64 // Content-Length, or -1 without one
	te        bool  // a Transfer-Encoding field named a coding
	chunked   bool  // chunked is the last transfer coding
	close     bool  // Connection: close
	keepAlive bool  // Connection: keep-alive
	lastFrame bool  // the last field read frames the message (for obs-fold)
}

// parseStatusLine parses "HTTP/1.x NNN[ reason]".
func parseStatusLine(line []byte, h *respHead) error {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !httpsyntax.IsDigit(line[7]) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return protocolError("malformed status line", line)
	}
	code := line[9:12]
	if !httpsyntax.IsDigit(code[0]) || !httpsyntax.IsDigit(code[1]) || !httpsyntax.IsDigit(code[2]) || code[0] == '0' {
		return protocolError("malformed status code", line)
	}
	h.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	h.http10 = line[7] == '0'
	return nil
}

// parseField records the framing fields of one header line in h.
func parseField(line []byte, h *respHead) error {
	if line[0] == ' ' || line[0] == '\t' {
		// Obsolete line folding continues the previous field. Harmless
		// for fields we ignore; ambiguous for those that frame the body.
		if h.lastFrame {
			return protocolError("folded framing header field", line)
		}
		return nil
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || !httpsyntax.IsToken(line[:colon]) {
		return protocolError("malformed header field", line)
	}
	name, value := line[:colon], httpsyntax.TrimOWS(line[colon+1:])
	h.lastFrame = true
	switch {
	case httpsyntax.EqualFold(name, "content-length"):
		n, ok := parseContentLength(value)
		if !ok || (h.length >= 0 && n != h.length) {
			return protocolError("invalid Content-Length", line)
		}
		h.length = n
	case httpsyntax.EqualFold(name, "transfer-encoding"):
		for v := value; len(v) > 0; {
			var tok []byte
			tok, v = nextListItem(v)
			if len(tok) > 0 {
				h.te = true
				h.chunked = httpsyntax.EqualFold(tok, "chunked")
			}
		}
	case httpsyntax.EqualFold(name, "connection"):
		for v := value; len(v) > 0; {
			var tok []byte
			tok, v = nextListItem(v)
			switch {
			case httpsyntax.EqualFold(tok, "close"):
				h.close = true
			case httpsyntax.EqualFold(tok, "keep-alive"):
				h.keepAlive = true
			}
		}
	default:
		h.lastFrame = false
	}
	return nil
}

// fill reads more bytes from src into the buffer, after making room (see
// room).
func (p *respReader) fill() error {
	if p.err != nil {
		return p.err
	}
	if err := p.room(); err != nil {
		return err
	}
	for range 100 {
		n, err := p.src.Read(p.buf[p.w:])
		if n < 0 || n > len(p.buf)-p.w {
			p.err = errors.New("transport: reader returned an invalid count " + strconv.Itoa(n))
			return p.err
		}
		p.w += n
		p.received += int64(n)
		if err != nil {
			p.err = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	p.err = io.ErrNoProgress
	return p.err
}

// room makes space after p.w for at least one byte, by dropping consumed
// bytes or, when the buffer is full of unconsumed ones, by growing it up to
// p.max. Beyond that it returns a protocol error.
func (p *respReader) room() error {
	if p.r == p.w {
		p.r, p.w = 0, 0
	}
	if p.w < len(p.buf) {
		return nil
	}
	if p.r > 0 {
		p.w = copy(p.buf, p.buf[p.r:p.w])
		p.r = 0
		return nil
	}
	if len(p.buf) >= p.max {
		return p.tooLong(p.buf[:p.w])
	}
	buf := make([]byte, min(max(2*len(p.buf), 512), p.max))
	copy(buf, p.buf[:p.w])
	p.buf = buf
	return nil
}

func (p *respReader) tooLong(near []byte) error {
	return protocolError("response head, trailer section or line longer than "+strconv.Itoa(p.max)+" bytes", near)
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// responseError describes a malformed response.
type responseError struct {
	msg  string
	near string // the offending input, truncated
}

func (e *responseError) Error() string {
	if e.near == "" {
		return "http1: " + e.msg
	}
	return "http1: " + e.msg + " near " + strconv.Quote(e.near)
}

// protocolError returns a KindProtocol *Error. It copies up to 64 bytes of
// near, which may alias the read buffer.
func protocolError(msg string, near []byte) error {
	if len(near) > 64 {
		near = near[:64]
	}
	return &Error{Kind: KindProtocol, Err: &responseError{msg: msg, near: string(near)}}
}

// parseContentLength parses a Content-Length value: a decimal number, or a
// comma-separated list of the same number repeated.
func parseContentLength(v []byte) (int64, bool) {
	n := int64(-1)
	for {
		part, rest, more := bytes.Cut(v, []byte{','})
		m, ok := parseDecimal(httpsyntax.TrimOWS(part))
		if !ok || (n >= 0 && m != n) {
			return 0, false
		}
		n = m
		if !more {
			return n, true
		}
		v = rest
	}
}

// parseDecimal parses a non-negative decimal of at most 18 significant
// digits, so that it fits an int64.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	b = bytes.TrimLeft(b, "0")
	if len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !httpsyntax.IsDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// nextListItem splits the first element off a comma-separated field value
// and trims optional whitespace around it.
func nextListItem(v []byte) (item, rest []byte) {
	item, rest, _ = bytes.Cut(v, []byte{','})
	return httpsyntax.TrimOWS(item), rest
}
