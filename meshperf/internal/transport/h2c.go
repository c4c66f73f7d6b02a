package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// NewH2C returns an Opener for HTTP/2 over cleartext with prior knowledge.
// Each Conn owns one HTTP/2 connection, dialled lazily.
func NewH2C(spec Spec) (Opener, error) {
	if err := checkSpec(spec); err != nil {
		return nil, err
	}
	if _, err := checkFields(&spec); err != nil {
		return nil, err
	}
	method := spec.MethodOf()
	target := *spec.URL
	return func() Conn {
		peer := newPeer(spec.dialer())
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr := &http.Transport{
			Protocols:          &p,
			MaxConnsPerHost:    1,
			DialContext:        peer.Dial,
			DisableCompression: true,
		}
		return &h2cConn{tr: tr, peer: peer, method: method, url: &target, header: spec.Header, body: spec.Body, timeout: spec.Timeout}
	}, nil
}

type h2cConn struct {
	tr      *http.Transport
	peer    *peer
	method  string
	url     *url.URL
	header  http.Header
	body    []byte
	timeout time.Duration
}

func (c *h2cConn) Do(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := &http.Request{Method: c.method, URL: c.url, Header: c.header, Host: c.header.Get("Host"), Proto: "HTTP/2.0", ProtoMajor: 2}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if len(c.body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(c.body))
		req.ContentLength = int64(len(c.body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(c.body)), nil }
	}
	resp, err := c.tr.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return 0, c.fail(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, c.fail(err)
	}
	return resp.StatusCode, nil
}

// fail classifies a failed request. A dial error is already an *Error; a
// server that answered the HTTP/2 preface in HTTP/1 is a protocol error.
func (c *h2cConn) fail(err error) error {
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	k := KindOf(err)
	switch k {
	case KindCanceled, KindLocal:
		return Wrap(err, false)
	}
	return c.peer.explain(err, k, k == KindTimeout)
}

func (c *h2cConn) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// checkSpec validates the parts of a Spec every transport needs.
func checkSpec(spec Spec) error {
	switch {
	case spec.URL == nil:
		return fmt.Errorf("no URL")
	case spec.URL.Scheme != "http":
		return fmt.Errorf("scheme %q is not supported: use http://", spec.URL.Scheme)
	case spec.URL.Hostname() == "":
		return fmt.Errorf("URL %q has no host", spec.URL.String())
	case spec.Timeout <= 0:
		return fmt.Errorf("timeout %v must be positive", spec.Timeout)
	}
	return nil
}
