package main

import (
	"context"
	"fmt"
	"io"

	"github.com/meshperf/meshperf/fixtures/echo"
)

func runEcho(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("echo", stderr, "[flags]")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (loopback unless -allow-non-loopback)")
	delay := fs.Duration("delay", 0, "added to every request's service time")
	spin := fs.Bool("spin", false, "busy-wait the delay instead of sleeping: an exact service time")
	payload := fs.Int("payload-size", 0, "response body size in bytes when the request has none")
	remote := fs.Bool("allow-non-loopback", false, "allow listening on a non-loopback address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q: echo takes only flags", fs.Args())
	}
	if *delay < 0 {
		return usagef("-delay %v: use a duration >= 0", *delay)
	}
	if *payload < 0 {
		return usagef("-payload-size %d: use a size >= 0", *payload)
	}
	srv, err := echo.New(echo.Config{Addr: *addr, Delay: *delay, Spin: *spin, PayloadSize: *payload, AllowNonLoopback: *remote})
	if err != nil {
		return usagef("%v", err)
	}
	fmt.Fprintf(stdout, "meshperf echo: listening on %s\n", srv.URL())
	<-ctx.Done()
	return srv.Close()
}
