package httpsyntax

import (
	"strings"
	"testing"
)

func TestIsToken(t *testing.T) {
	for _, s := range []string{"GET", "x-envoy-upstream", "!#$%&'*+-.^_`|~09azAZ"} {
		if !IsToken(s) || !IsToken([]byte(s)) {
			t.Errorf("IsToken(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "a b", "a:b", "a\x00", "é", "a\x7f", "(x)", `a"`, "a/b", "a\tb"} {
		if IsToken(s) || IsToken([]byte(s)) {
			t.Errorf("IsToken(%q) = true, want false", s)
		}
	}
	// Every byte: a token character is exactly a visible ASCII character
	// that is not a delimiter.
	for c := range 256 {
		want := c > ' ' && c < 0x7f && !strings.ContainsRune(delimiters, rune(c))
		if got := IsTokenChar(byte(c)); got != want {
			t.Errorf("IsTokenChar(%#x) = %v, want %v", c, got, want)
		}
	}
}

func TestFieldValueAndOWS(t *testing.T) {
	if !IsFieldValue([]byte("a b\tc\x80\xff")) || IsFieldValue([]byte("a\rb")) || IsFieldValue([]byte("a\x7f")) || IsFieldValue([]byte{0}) {
		t.Error("IsFieldValue disagrees with RFC 9110 section 5.5")
	}
	for in, want := range map[string]string{"": "", " \t": "", "\t a b \t": "a b", "x": "x", " \r ": "\r"} {
		if got := string(TrimOWS([]byte(in))); got != want {
			t.Errorf("TrimOWS(%q) = %q, want %q", in, got, want)
		}
	}
	if !EqualFold([]byte("Keep-ALIVE"), "keep-alive") || EqualFold([]byte("keep-alivf"), "keep-alive") || EqualFold([]byte("keep"), "keep-alive") {
		t.Error("EqualFold")
	}
}

func TestParseChunkSize(t *testing.T) {
	for _, tc := range []struct {
		line  string
		limit int64
		want  int64
		ok    bool
	}{
		{"0", 100, 0, true},
		{"1a", 100, 26, true},
		{"1A ;ext=1", 100, 26, true},
		{"ff\t", 100, 101, true},                     // above the limit: limit+1
		{"0000000000000000000000010", 100, 16, true}, // leading zeros are not significant
		{strings.Repeat("f", 40), 100, 101, true},    // any length saturates
		{strings.Repeat("f", 40), MaxChunkLimit * 4, MaxChunkLimit + 1, true},
		{"10", -5, 1, true}, // a negative limit counts as 0
		{"", 100, 0, false},
		{";ext", 100, 0, false},
		{"1 x", 100, 0, false},
		{"-1", 100, 0, false},
		{"0x10", 100, 0, false},
	} {
		got, ok := ParseChunkSize([]byte(tc.line), tc.limit)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseChunkSize(%q, %d) = %d, %v; want %d, %v", tc.line, tc.limit, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseChunkSize(f *testing.F) {
	for _, s := range []string{"0", "1a;x", "fffffffffffffffffff", " 1", "1 \t;"} {
		f.Add(s, int64(1<<20))
	}
	f.Fuzz(func(t *testing.T, line string, limit int64) {
		n, ok := ParseChunkSize([]byte(line), limit)
		lim := max(0, min(limit, MaxChunkLimit))
		if ok && (n < 0 || n > lim+1) {
			t.Fatalf("ParseChunkSize(%q, %d) = %d, outside [0, %d]", line, limit, n, lim+1)
		}
		if !ok && n != 0 {
			t.Fatalf("ParseChunkSize(%q, %d) = %d with !ok", line, limit, n)
		}
	})
}
