package quantity

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParsers(t *testing.T) {
	type parser func(string) (float64, error)
	bytesF := func(s string) (float64, error) { b, err := Bytes(s); return float64(b), err }
	durF := func(s string) (float64, error) { d, err := Duration(s); return float64(d), err }
	tests := []struct {
		name   string
		parse  parser
		in     string
		want   float64
		reason string // "" when in must parse
	}{
		{name: "bytes", parse: bytesF, in: "512Mi", want: 512 << 20},
		{name: "bytes", parse: bytesF, in: "1.5Ki", want: 1536},
		{name: "bytes", parse: bytesF, in: "2M", want: 2e6},
		{name: "bytes", parse: bytesF, in: " 100 ", want: 100},
		{name: "bytes", parse: bytesF, in: "1e3", want: 1000},
		{name: "bytes", parse: bytesF, in: "0", want: 0},
		{name: "bytes", parse: bytesF, in: "NaN", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "NaNMi", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "Inf", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "+InfGi", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "-1Mi", reason: "is negative"},
		{name: "bytes", parse: bytesF, in: "1e30Gi", reason: "is too large"},
		{name: "bytes", parse: bytesF, in: "9223372036854775808", reason: "is too large"},
		{name: "bytes", parse: bytesF, in: "9223372036854775807", want: math.MaxInt64},
		{name: "bytes", parse: bytesF, in: "8Ei", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "0.5", reason: "not a whole number"},
		{name: "bytes", parse: bytesF, in: "12XB", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "Mi", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "0x10", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "1_000", reason: "is not a number"},
		{name: "bytes", parse: bytesF, in: "", reason: "is empty"},
		{name: "bytes", parse: bytesF, in: "1e999999999", reason: "exponent above 100"},
		{name: "cores", parse: Cores, in: "500m", want: 0.5},
		{name: "cores", parse: Cores, in: "100m", want: 0.1},
		{name: "cores", parse: Cores, in: "2.5", want: 2.5},
		{name: "cores", parse: Cores, in: "NaN", reason: "is not a number"},
		{name: "cores", parse: Cores, in: "NaNm", reason: "is not a number"},
		{name: "cores", parse: Cores, in: "Infm", reason: "is not a number"},
		{name: "cores", parse: Cores, in: "-1", reason: "is negative"},
		{name: "cores", parse: Cores, in: "1c", reason: "is not a number"},
		{name: "cores", parse: Cores, in: "m", reason: "is not a number"},
		{name: "cores", parse: Cores, in: "1e-999", reason: "exponent below -100"},
		{name: "millicores", parse: Millicores, in: "50m", want: 50},
		{name: "millicores", parse: Millicores, in: "0.1", want: 100},
		{name: "millicores", parse: Millicores, in: "-50m", reason: "is negative"},
		{name: "percent", parse: Percent, in: "12.5%", want: 12.5},
		{name: "percent", parse: Percent, in: "150%", want: 150},
		{name: "percent", parse: Percent, in: "0%", want: 0},
		{name: "percent", parse: Percent, in: "12.5", reason: "has no unit"},
		{name: "percent", parse: Percent, in: "NaN%", reason: "is not a number"},
		{name: "percent", parse: Percent, in: "-1%", reason: "is negative"},
		{name: "number", parse: Number, in: "1000", want: 1000},
		{name: "number", parse: Number, in: ".5", want: 0.5},
		{name: "number", parse: Number, in: "-0", want: 0},
		{name: "number", parse: Number, in: "NaN", reason: "is not a number"},
		{name: "number", parse: Number, in: "inf", reason: "is not a number"},
		{name: "number", parse: Number, in: "+Inf", reason: "is not a number"},
		{name: "number", parse: Number, in: "-3", reason: "is negative"},
		{name: "number", parse: Number, in: "1e", reason: "is not a number"},
		{name: "number", parse: Number, in: ".", reason: "is not a number"},
		{name: "duration", parse: durF, in: "1.5ms", want: 1.5e6},
		{name: "duration", parse: durF, in: "-5ms", reason: "is negative"},
		{name: "duration", parse: durF, in: "NaN", reason: "is not a duration"},
		{name: "duration", parse: durF, in: "99999999h", reason: "is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			got, err := tt.parse(tt.in)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Errorf("= %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			var qe *Error
			if !errors.As(err, &qe) || !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), strconv.Quote(tt.in)) ||
				!strings.Contains(err.Error(), "use ") {
				t.Errorf("= %v, %v; want an *Error naming %q, the reason %q and what to use", got, err, tt.in, tt.reason)
			}
		})
	}
}

// Every parser accepts only finite values ≥ 0 and otherwise returns an
// *Error naming the value; Number agrees with strconv.ParseFloat on what
// both read, and every CPU and memory reading is exact.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"512Mi", "1.5Ki", "500m", "12.5%", "1e3", "NaN", "Inf", "-1", "1e30Gi", ".5", "9223372036854775807",
		"0x1p3", "1_0", "1e-100m", "7.e+5k", " 3 ", "-0%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(name string, v float64, err error) {
			if err != nil {
				var qe *Error
				if !errors.As(err, &qe) || qe.Value != s || qe.Allowed == "" {
					t.Fatalf("%s(%q): error %v is not an *Error naming the value", name, s, err)
				}
				return
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("%s(%q) = %v", name, s, v)
			}
		}
		b, err := Bytes(s)
		check("Bytes", float64(b), err)
		c, err := Cores(s)
		check("Cores", c, err)
		mc, merr := Millicores(s)
		check("Millicores", mc, merr)
		if (err == nil) != (merr == nil) {
			t.Fatalf("Cores(%q) and Millicores disagree: %v, %v", s, err, merr)
		}
		p, err := Percent(s)
		check("Percent", p, err)
		n, err := Number(s)
		check("Number", n, err)
		if err == nil {
			want, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if perr != nil || want != n {
				t.Fatalf("Number(%q) = %v; strconv.ParseFloat reads %v, %v", s, n, want, perr)
			}
		}
		d, err := Duration(s)
		check("Duration", float64(d), err)
	})
}

func TestDurationRejectsWhatTimeRejects(t *testing.T) {
	if _, err := Duration("5"); err == nil {
		t.Error(`Duration("5"): want an error, a duration needs a unit`)
	}
	if d, err := Duration(" 300us "); err != nil || d != 300*time.Microsecond {
		t.Errorf(`Duration(" 300us ") = %v, %v`, d, err)
	}
}

func ExampleBytes() {
	for _, s := range []string{"512Mi", "1.5Ki", "NaN"} {
		b, err := Bytes(s)
		fmt.Println(b, err)
	}
	// Output:
	// 536870912 <nil>
	// 1536 <nil>
	// 0 memory quantity "NaN" is not a number: use a whole number of bytes ≥ 0, or a number with Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of 1000), e.g. "512Mi"
}
