// Command testsum reads `go test -json` on stdin and prints what a person
// needs from it: one line per package, the output of every failed test, and
// every skipped test with its reason. It exits 1 when a test or package
// failed, or, with -strict, when a test skipped for a reason that is not
// allowed.
//
// The reasons come from internal/testenv's tags: "[skip component=NAME]"
// (the machine lacks NAME), "[skip short]" and "[skip helper]" (a child
// process's entry point, never counted). A skip without a tag came from a
// bare t.Skip and is never allowed under -strict. A test that skipped here
// but passed in one of the -also files (an earlier `go test -json` log, such
// as the cluster lifecycle test CI runs before the cluster is up) counts as
// run.
//
//	go test -json ./... | go run ./hack/testsum -strict -allow envoy,pipy
package main

import (
	"bufio"
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

type skip struct {
	key
	reason string // the tagged line, or the last output line
	tag    string // "component=NAME", "short", "helper" or "" (untagged)
}

var tagRE = regexp.MustCompile(`\[skip (component=[^\]]+|short|helper)\]`)

type summary struct {
	out      map[key][]string // output per test (and per package, test "")
	passed   map[key]bool
	failed   []key
	skipped  []skip
	packages []pkgResult
	ran      int
}

type pkgResult struct {
	name    string
	action  string
	elapsed float64
}

func newSummary() *summary {
	return &summary{out: map[key][]string{}, passed: map[key]bool{}}
}

// read consumes one `go test -json` stream. Lines that are not JSON (build
// errors, a panic before test2json started) are echoed to w when w is not nil.
func (s *summary) read(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			if w != nil {
				fmt.Fprintf(w, "%s\n", line)
			}
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output", "build-output":
			s.out[k] = append(s.out[k], e.Output)
		case "pass":
			if e.Test == "" {
				s.finish(w, pkgResult{e.Package, "ok", e.Elapsed})
			} else {
				s.passed[k] = true
				s.ran++
			}
		case "fail":
			if e.Test == "" {
				s.finish(w, pkgResult{e.Package, "FAIL", e.Elapsed})
			} else {
				s.ran++
			}
			s.failed = append(s.failed, k)
		case "skip":
			if e.Test == "" {
				s.finish(w, pkgResult{e.Package, "skip", e.Elapsed})
				continue
			}
			s.skipped = append(s.skipped, classify(k, s.out[k]))
		}
	}
	return sc.Err()
}

// finish records a package's result and, when w is not nil, prints it as it
// comes, so that a long run shows its progress.
func (s *summary) finish(w io.Writer, p pkgResult) {
	s.packages = append(s.packages, p)
	if w != nil {
		fmt.Fprintf(w, "%-4s %-45s %7.1fs\n", p.action, short(p.name), p.elapsed)
	}
}

// classify finds the skip's reason in the test's output.
func classify(k key, out []string) skip {
	sk := skip{key: k}
	for _, l := range out {
		if m := tagRE.FindStringSubmatch(l); m != nil {
			sk.tag, sk.reason = m[1], strings.TrimSpace(l)
			return sk
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(out[i]); l != "" && !strings.HasPrefix(l, "--- SKIP") && !strings.HasPrefix(l, "=== ") {
			sk.reason = l
			break
		}
	}
	return sk
}

func short(pkg string) string {
	if i := strings.Index(pkg, "/meshperf/meshperf/"); i >= 0 {
		return pkg[i+len("/meshperf/meshperf/"):]
	}
	return pkg
}

func main() {
	strict := flag.Bool("strict", false, "exit 1 when a test skipped for a reason not allowed by -allow (CI)")
	allow := flag.String("allow", "", "comma-separated components whose absence may skip a test under -strict, e.g. envoy,pipy")
	also := flag.String("also", "", "comma-separated `go test -json` logs of earlier runs: a test that passed there counts as run")
	verbose := flag.Bool("v", false, "list every skipped test, not only those that would fail -strict")
	flag.Parse()
	allowed := map[string]bool{}
	for _, c := range strings.Split(*allow, ",") {
		if c = strings.TrimSpace(c); c != "" {
			allowed["component="+c] = true
		}
	}

	s := newSummary()
	if err := s.read(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "testsum: reading go test -json: %v\n", err)
		os.Exit(1)
	}
	earlier := newSummary()
	for _, f := range strings.Split(*also, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testsum: -also %s: %v\n", f, err)
			os.Exit(1)
		}
		err = earlier.read(fh, nil)
		fh.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testsum: -also %s: %v\n", f, err)
			os.Exit(1)
		}
	}
	os.Exit(s.report(os.Stdout, *strict, *verbose, allowed, earlier.passed))
}

// report prints the summary and returns the exit code.
func (s *summary) report(w io.Writer, strict, verbose bool, allowed map[string]bool, earlier map[key]bool) int {
	code := s.reportFailures(w)
	s.reportTimes(w)
	if s.reportSkips(w, strict, verbose, allowed, earlier) {
		code = 1
	}
	if code != 0 {
		fmt.Fprintln(w, "FAIL")
	} else {
		fmt.Fprintln(w, "PASS")
	}
	return code
}

// reportFailures prints each failed test's output, and the output of each
// package that failed without a failed test; it returns 1 if anything
// failed.
func (s *summary) reportFailures(w io.Writer) int {
	code := 0
	for _, k := range s.failed {
		if k.test == "" {
			continue
		}
		fmt.Fprintf(w, "\n=== FAIL %s %s\n%s", short(k.pkg), k.test, strings.Join(s.out[k], ""))
	}
	for _, p := range s.packages {
		if p.action == "FAIL" {
			// A package that failed without a failed test (a build error, a
			// panic, a timeout) prints its own output.
			if !slices.ContainsFunc(s.failed, func(k key) bool { return k.pkg == p.name && k.test != "" }) {
				fmt.Fprintf(w, "\n=== FAIL %s\n%s", short(p.name), strings.Join(s.out[key{p.name, ""}], ""))
			}
			code = 1
		}
	}
	if len(s.failed) > 0 {
		code = 1
	}
	return code
}

// reportTimes prints the test count, the total test time and the slowest
// packages.
func (s *summary) reportTimes(w io.Writer) {
	fmt.Fprintln(w)
	slow := slices.Clone(s.packages)
	sort.Slice(slow, func(i, j int) bool { return slow[i].elapsed > slow[j].elapsed })
	var total float64
	for _, p := range s.packages {
		total += p.elapsed
	}
	fmt.Fprintf(w, "%d tests in %d packages, %s of test time; slowest:", s.ran, len(s.packages),
		(time.Duration(total) * time.Second).Round(time.Second))
	for _, p := range slow[:min(5, len(slow))] {
		fmt.Fprintf(w, " %s %.0fs,", short(p.name), p.elapsed)
	}
	fmt.Fprintln(w)
}

// reportSkips prints the skips: those a -strict run accepts are counted by
// reason (listed with -v); the others are listed one by one. It reports
// whether they fail the run.
func (s *summary) reportSkips(w io.Writer, strict, verbose bool, allowed map[string]bool, earlier map[key]bool) bool {
	var unexpected []skip
	accepted := map[string]int{}
	for _, sk := range s.skipped {
		var why string
		switch {
		case sk.tag == "helper":
			continue // an entry point its parent test runs
		case earlier[sk.key]:
			why = "passed in an earlier run"
		case allowed[sk.tag]:
			why = "allowed: " + sk.tag
		case !strict && sk.tag != "":
			why = sk.tag
		default:
			unexpected = append(unexpected, sk)
			continue
		}
		accepted[why]++
		if verbose {
			fmt.Fprintf(w, "skip (%s) %s %s\n", why, short(sk.pkg), sk.test)
		}
	}
	if len(accepted) > 0 {
		whys := make([]string, 0, len(accepted))
		for why, n := range accepted {
			whys = append(whys, fmt.Sprintf("%d %s", n, why))
		}
		sort.Strings(whys)
		fmt.Fprintf(w, "skipped: %s (TESTSUM_FLAGS=-v lists them)\n", strings.Join(whys, ", "))
	}
	if len(allowed) > 0 {
		names := make([]string, 0, len(allowed))
		for a := range allowed {
			names = append(names, strings.TrimPrefix(a, "component="))
		}
		sort.Strings(names)
		fmt.Fprintf(w, "allow-list: a test may skip only when one of these is missing: %s\n", strings.Join(names, ", "))
	}
	for _, sk := range unexpected {
		fmt.Fprintf(w, "SKIP %s %s: %s\n", short(sk.pkg), sk.test, sk.reason)
	}
	if len(unexpected) == 0 {
		return false
	}
	if strict {
		fmt.Fprintf(w, "testsum: %d tests skipped for reasons not on the allow-list; each is a failure here\n", len(unexpected))
		return true
	}
	fmt.Fprintf(w, "%d tests skipped without saying why through internal/testenv\n", len(unexpected))
	return false
}
