package transport

import (
	"bytes"
	"errors"
	"io"

	"github.com/meshperf/meshperf/internal/httpsyntax"
)

// errMore is step's answer when the buffer ends before the response does.
// It never leaves the package.
var errMore = errors.New("transport: the response continues past the bytes read so far")

// respPhase is the part of a response a resumable parse has reached.
type respPhase uint8

const (
	phaseHead      respPhase = iota // a status line or a header field
	phaseLength                     // body bytes framed by Content-Length
	phaseChunkSize                  // a chunk-size line
	phaseChunkData                  // a chunk's data
	phaseChunkEnd                   // the line end after a chunk's data
	phaseTrailer                    // the trailer section after the last chunk
	phaseToEOF                      // a body that ends with the connection
	phaseDone                       // the response is complete
)

// respState is the progress of one response's parse, kept between reads so
// that no byte is parsed twice except the tail of an unfinished line.
type respState struct {
	phase     respPhase
	head      bool // the request was HEAD: the response has no body
	interim   bool // an interim 1xx response came before this head
	h         respHead
	budget    int   // bytes the current head, trailer or chunk lines may still take
	seen      int   // bytes after r known to hold no LF
	left      int64 // body or chunk bytes still to discard
	keepAlive bool  // set when the head is complete
}

// response reads one response from src, skipping interim 1xx responses,
// and discards its body. head says the request was HEAD. It returns the
// final status and whether the connection may carry another request.
//
// Errors from src are returned as they are, except that an end of input
// after the response began is io.ErrUnexpectedEOF; an end of input before
// any byte is io.EOF. Malformed input is an *Error of KindProtocol.
func (p *respReader) response(head bool) (status int, keepAlive bool, err error) {
	p.begin(head)
	for {
		err := p.step()
		if err == errMore {
			if ferr := p.fill(); ferr == nil {
				continue
			} else {
				err = p.atEnd(ferr)
			}
		}
		if err != nil {
			return 0, false, err
		}
		return p.st.h.status, p.st.keepAlive, nil
	}
}

// begin starts the parse of a response. head says the request was HEAD.
func (p *respReader) begin(head bool) {
	p.st = respState{head: head, h: respHead{length: -1}, budget: p.max}
}

// step parses the buffered bytes of the response begun by begin. It
// returns nil when the response is complete (the status and keepAlive are
// in p.st), errMore when it needs more bytes, and otherwise a protocol
// error. Each call does work in proportion to the bytes it consumes, plus
// one scan of the new bytes of an unfinished line.
func (p *respReader) step() error {
	s := &p.st
	for {
		switch s.phase {
		case phaseHead:
			line, err := p.nextLine()
			if err != nil {
				return err
			}
			if err := p.headLine(line); err != nil {
				return err
			}
		case phaseLength, phaseChunkData:
			k := min(s.left, int64(p.w-p.r))
			p.r += int(k)
			s.left -= k
			if s.left > 0 {
				return errMore
			}
			if s.phase == phaseChunkData {
				s.phase = phaseChunkEnd
			} else {
				s.phase = phaseDone
			}
		case phaseChunkSize, phaseChunkEnd, phaseTrailer:
			line, err := p.nextLine()
			if err != nil {
				return err
			}
			if err := p.chunkLine(line); err != nil {
				return err
			}
		case phaseToEOF:
			p.r = p.w
			return errMore
		default:
			return nil
		}
	}
}

// headLine takes one line of a response head.
func (p *respReader) headLine(line []byte) error {
	s := &p.st
	switch {
	case s.h.status == 0:
		return parseStatusLine(line, &s.h)
	case len(line) > 0:
		return parseField(line, &s.h)
	case s.h.status == 101:
		return protocolError("unexpected 101 Switching Protocols; no upgrade was requested", nil)
	case s.h.status < 200:
		// An interim response: the final one follows, within the same
		// budget.
		s.h, s.interim = respHead{length: -1}, true
		return nil
	}
	h := &s.h
	s.keepAlive = !h.close && (!h.http10 || h.keepAlive)
	switch {
	case s.head || h.status == 204 || h.status == 304:
		// No body, whatever the fields say.
		s.phase = phaseDone
	case h.te && h.chunked:
		if h.length >= 0 {
			// Both fields: Transfer-Encoding wins, but the connection
			// must not be reused (RFC 9112, section 6.3).
			s.keepAlive = false
		}
		s.phase, s.budget = phaseChunkSize, p.max
	case h.length >= 0 && !h.te:
		s.phase, s.left = phaseLength, h.length
	default:
		s.phase, s.keepAlive = phaseToEOF, false
	}
	return nil
}

// chunkLine takes one chunk-size line, the line end after a chunk's data,
// or one line of the trailer section.
func (p *respReader) chunkLine(line []byte) error {
	s := &p.st
	switch s.phase {
	case phaseChunkSize:
		size, ok := httpsyntax.ParseChunkSize(line, httpsyntax.MaxChunkLimit)
		switch {
		case !ok:
			return protocolError("malformed chunk size line", line)
		case size > httpsyntax.MaxChunkLimit:
			return protocolError("chunk size too large", line)
		case size == 0:
			s.phase, s.budget = phaseTrailer, p.max
		default:
			s.phase, s.left = phaseChunkData, size
		}
	case phaseChunkEnd:
		if len(line) != 0 {
			return protocolError("chunk data longer than its size", line)
		}
		s.phase, s.budget = phaseChunkSize, p.max
	default:
		if len(line) == 0 {
			s.phase = phaseDone
		}
	}
	return nil
}

// nextLine consumes the next buffered line and returns it without its LF
// or CRLF; the slice is valid until the buffer is next filled. The line's
// bytes are charged to the budget; a line that would exceed it is a
// protocol error. Without a whole line buffered it returns errMore.
func (p *respReader) nextLine() ([]byte, error) {
	s := &p.st
	if i := bytes.IndexByte(p.buf[p.r+s.seen:p.w], '\n'); i >= 0 {
		end := p.r + s.seen + i
		s.seen = 0
		if end+1-p.r > s.budget {
			return nil, p.tooLong(p.buf[p.r:end])
		}
		s.budget -= end + 1 - p.r
		line := p.buf[p.r:end]
		p.r = end + 1
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
	s.seen = p.w - p.r
	if s.seen >= s.budget {
		return nil, p.tooLong(p.buf[p.r:p.w])
	}
	return nil, errMore
}

// atEnd returns the outcome of a parse that needs more bytes when the input
// ended with err: nil for a body delimited by the end of the connection,
// io.EOF when no byte of the response came, io.ErrUnexpectedEOF when some
// did, and any other error as it is.
func (p *respReader) atEnd(err error) error {
	s := &p.st
	switch s.phase {
	case phaseToEOF:
		if err == io.EOF {
			s.phase = phaseDone
			return nil
		}
		return err
	case phaseHead:
		if err == io.EOF && (s.interim || s.h.status != 0 || p.r < p.w) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return unexpectedEOF(err)
}
