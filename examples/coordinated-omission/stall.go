package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// stallServer is an HTTP server on 127.0.0.1 that freezes for stall at the
// start of every period: a request that arrives during a freeze waits for
// its end, as behind a stop-the-world pause; any other request is answered
// at once. Every wait is bounded by stall and ends when the server closes.
type stallServer struct {
	url          string
	stall, every time.Duration
	t0           time.Time
	srv          *http.Server
	done         chan struct{}
	closeOnce    sync.Once
	serveErr     chan error
	held         atomic.Int64 // requests waiting for a freeze to end
}

func newStallServer(stall, every time.Duration) (*stallServer, error) {
	if stall <= 0 || every <= stall {
		return nil, fmt.Errorf("stall %v every %v: want 0 < stall < every", stall, every)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &stallServer{url: "http://" + ln.Addr().String() + "/", stall: stall, every: every, t0: time.Now(),
		done: make(chan struct{}), serveErr: make(chan error, 1)}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { s.serveErr <- s.srv.Serve(ln) }()
	return s, nil
}

// ServeHTTP holds a request that arrives during a freeze until the freeze ends.
func (s *stallServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if phase := time.Since(s.t0) % s.every; phase < s.stall {
		s.held.Add(1)
		defer s.held.Add(-1)
		t := time.NewTimer(s.stall - phase)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok\n"))
}

// Close stops the server and releases every held request. It is idempotent.
func (s *stallServer) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
		if serr := <-s.serveErr; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	})
	return err
}

// analyticP99 is the response-time p99 that the stalls alone cause for
// requests intended uniformly over time: a share stall/every of them
// arrive during a freeze and wait for its end, uniformly 0 to stall, so 1%
// of all requests wait longer than stall × (1 − 0.01·every/stall). It is 0
// when fewer than 1% of requests meet a freeze.
func analyticP99(stall, every time.Duration) time.Duration {
	share := float64(stall) / float64(every)
	if share <= 0.01 {
		return 0
	}
	return time.Duration(float64(stall) * (1 - 0.01/share))
}
