//go:build !linux

package transport

import "errors"

func newH1Looper(*h1Target) (Looper, error) {
	return nil, errors.New("transport: the HTTP/1.1 event loop needs Linux (epoll, timerfd, eventfd); use NewHTTP1")
}
