package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: meshperf <command> [flags]

commands:
  load     send open-loop load to a URL and report latency (meshperf load -h)
  probe    send one GET and print the answer's status and headers as JSON
  echo     serve the built-in echo app (meshperf echo -h)
  sidecar  run the built-in sidecar proxy (meshperf sidecar -h)
  sweep    run modes x concurrency on the local, docker or kube fixture (meshperf sweep -h)
  capacity find the highest rate that keeps a budget (meshperf capacity -h)
  reap     remove what interrupted local-, docker- and (-kube) kube-fixture runs left behind
  compare  compare two sets of results and gate on regressions (meshperf compare -h)
  report   write a self-contained HTML report of results files (meshperf report -h)
`

// Exit codes, the same in every command (the README's table):
//
//	0  success: the run completed and every gate held
//	1  a run failed or was interrupted, or a gate was crossed
//	   (-budget, compare -fail-on, capacity's none/-min-qps)
//	2  usage or input error: a bad flag or argument, or an input file
//	   that is missing, unreadable or not a valid results document
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a bad flag or argument; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// inputError is an input file that is missing, unreadable or invalid; it
// exits 2, as a usage error does, so that CI can tell a broken baseline from
// a crossed gate.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// asInput marks err, when not nil, as an input error.
func asInput(err error) error {
	if err == nil {
		return nil
	}
	return &inputError{err: err}
}

func main() {
	// SIGINT and SIGTERM cancel ctx: the run in progress ends at once and
	// reports itself interrupted. Once ctx is cancelled the handlers are
	// removed, so a second signal ends the process the default way.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "load":
		err = runLoad(ctx, args[1:], os.Stdin, stdout, stderr)
	case "probe":
		err = runProbe(ctx, args[1:], stdout, stderr)
	case "echo":
		err = runEcho(ctx, args[1:], stdout, stderr)
	case "sidecar":
		err = runSidecar(ctx, args[1:], stdout, stderr)
	case "sweep":
		err = runSweep(ctx, args[1:], stdout, stderr)
	case "capacity":
		err = runCapacity(ctx, args[1:], stdout, stderr)
	case "reap":
		err = runReap(ctx, args[1:], stdout, stderr)
	case "compare":
		err = runCompare(ctx, args[1:], stdout, stderr)
	case "report":
		err = runReport(ctx, args[1:], stdout, stderr)
	case "cgroup-limits": // for the fixtures, inside containers; not in the usage
		err = runCgroupLimits(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q: use load, probe, echo, sidecar, sweep, capacity, reap, compare or report", args[0])
	}
	return exitCode(args[0], err, stderr)
}

func exitCode(cmd string, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "meshperf %s: %v\n", cmd, err)
	var ue *usageError
	var ie *inputError
	if errors.As(err, &ue) || errors.As(err, &ie) {
		return exitUsage
	}
	return exitFail
}
