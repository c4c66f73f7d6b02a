package latency

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Geometry of every histogram made by New.
const (
	// SignificantDigits is the precision of recorded values: 3 digits, so a
	// value reads back within 0.1%.
	SignificantDigits = 3
	// Lowest is the lowest discernible value, in nanoseconds.
	Lowest = 1
	// DefaultHighest is the highest trackable value New uses when asked for
	// less: one minute. Each doubling of the range costs about 8 KiB.
	DefaultHighest = time.Minute
	// MaxHighest is the largest range New and Decode accept: 24 hours.
	MaxHighest = 24 * time.Hour
)

// Unit is the unit of every value in a histogram, as it is named in results.
const Unit = "ns"

// ErrNoSamples is returned when a summary is asked of an empty histogram.
// meshperf never reports an empty distribution as zero latency.
var ErrNoSamples = errors.New("no samples: the histogram is empty")

// Histogram is a latency distribution in nanoseconds. It is not safe for
// concurrent use: record into one histogram per goroutine and Merge them.
// The zero value is not usable; call New or Decode.
type Histogram struct {
	h        *hdr.Histogram
	overflow int64 // values above the highest trackable value, recorded at that value
}

// New returns an empty histogram that tracks 1 ns up to highest (at least
// DefaultHighest). It returns an error when highest exceeds MaxHighest.
func New(highest time.Duration) (*Histogram, error) {
	if highest > MaxHighest {
		return nil, fmt.Errorf("latency: highest trackable value %v exceeds the maximum %v", highest, MaxHighest)
	}
	highest = max(highest, DefaultHighest)
	return &Histogram{h: hdr.New(Lowest, int64(highest), SignificantDigits)}, nil
}

// Record adds one value. A negative value is recorded as 0; a value above the
// highest trackable value is recorded at that value and counted in Overflow,
// never dropped.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	if h.h.RecordValue(v) != nil {
		h.overflow++
		_ = h.h.RecordValue(h.h.HighestTrackableValue())
	}
}

// Count returns the number of recorded values.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Overflow returns how many values exceeded the range of the histogram they
// were recorded in. They are counted at that range's highest value (which a
// later Merge may have widened past), so upper percentiles that land on them
// are lower bounds.
func (h *Histogram) Overflow() int64 { return h.overflow }

// Highest returns the highest trackable value.
func (h *Histogram) Highest() time.Duration { return time.Duration(h.h.HighestTrackableValue()) }

// Quantile returns the value at quantile q in [0, 1], e.g. 0.99 for p99.
// It returns ErrNoSamples for an empty histogram and an error for q outside
// [0, 1].
func (h *Histogram) Quantile(q float64) (time.Duration, error) {
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("latency: quantile %v is outside [0, 1]", q)
	}
	if h.Count() == 0 {
		return 0, ErrNoSamples
	}
	return time.Duration(h.h.ValueAtPercentile(q * 100)), nil
}

// Merge adds every value of other into h. When other tracks a higher range
// than h, h first widens to it, so no value of other is clamped; merging
// histograms made by New is then lossless. other's overflow is carried over.
// A value that still falls outside h's range (only possible with histograms
// of another geometry) is recorded at h's highest value and counted as
// overflow, so Merge never loses a count.
func (h *Histogram) Merge(other *Histogram) {
	if other == nil {
		return
	}
	if hi := other.h.HighestTrackableValue(); hi > h.h.HighestTrackableValue() {
		wider := hdr.New(h.h.LowestTrackableValue(), hi, int(h.h.SignificantFigures()))
		if dropped := wider.Merge(h.h); dropped > 0 {
			// Cannot happen: wider holds h's whole range. Keep the count anyway.
			h.overflow += dropped
			_ = wider.RecordValues(wider.HighestTrackableValue(), dropped)
		}
		h.h = wider
	}
	if dropped := h.h.Merge(other.h); dropped > 0 {
		h.overflow += dropped
		_ = h.h.RecordValues(h.h.HighestTrackableValue(), dropped)
	}
	h.overflow += other.overflow
}

// Clone returns an independent copy.
func (h *Histogram) Clone() *Histogram {
	return &Histogram{h: hdr.Import(h.h.Export()), overflow: h.overflow}
}

// Equal reports whether h and other hold the same counts in the same
// geometry.
func (h *Histogram) Equal(other *Histogram) bool {
	return other != nil && h.overflow == other.overflow && h.h.Equals(other.h)
}

// Encode returns the histogram in the HdrHistogram V2 compressed encoding, as
// base64 text. The overflow count is not part of the encoding; results carry
// it beside the text and give it back to Decode.
func (h *Histogram) Encode() (string, error) {
	b, err := h.h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("latency: encode: %w", err)
	}
	return string(b), nil
}

// Encoding limits enforced by Decode before it allocates anything.
const (
	maxEncodedLen = 16 << 20 // base64 text
	v2HeaderSize  = 40       // decompressed V2 header
)

// Decode parses a histogram written by Encode or by another HdrHistogram
// implementation in the V2 compressed encoding, with overflow, the count that
// Overflow returned when it was encoded (0 for histograms of other tools). It
// checks the geometry before allocating: the lowest discernible value must be
// at least 1, the highest trackable value at most MaxHighest nanoseconds, and
// the precision 1 to 5 significant digits. Values must be nanoseconds. The
// overflow must be at most the count.
func Decode(text string, overflow int64) (*Histogram, error) {
	if len(text) > maxEncodedLen {
		return nil, fmt.Errorf("latency: decode: encoded histogram is %d bytes, more than the %d allowed", len(text), maxEncodedLen)
	}
	if err := checkEncodedGeometry(text); err != nil {
		return nil, fmt.Errorf("latency: decode: %w", err)
	}
	h, err := hdr.Decode([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("latency: decode: %w", err)
	}
	if overflow < 0 || overflow > h.TotalCount() {
		return nil, fmt.Errorf("latency: decode: overflow %d is outside [0, %d], the histogram's count", overflow, h.TotalCount())
	}
	return &Histogram{h: h, overflow: overflow}, nil
}

// checkEncodedGeometry reads the V2 header inside the compressed payload
// and rejects geometries that would make Decode allocate without bound.
func checkEncodedGeometry(text string) error {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	if len(raw) < 8 {
		return fmt.Errorf("%d bytes is too short for a V2 compressed histogram", len(raw))
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return fmt.Errorf("payload is not zlib: %w", err)
	}
	defer z.Close()
	var hd [v2HeaderSize]byte
	if _, err := io.ReadFull(z, hd[:]); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	digits := int32(binary.BigEndian.Uint32(hd[12:16]))
	lowest := int64(binary.BigEndian.Uint64(hd[16:24]))
	highest := int64(binary.BigEndian.Uint64(hd[24:32]))
	ratio := math.Float64frombits(binary.BigEndian.Uint64(hd[32:40]))
	switch {
	case digits < 1 || digits > 5:
		return fmt.Errorf("precision of %d significant digits is outside 1..5", digits)
	case lowest < 1:
		return fmt.Errorf("lowest discernible value %d is below 1", lowest)
	case highest > int64(MaxHighest) || highest < 2*lowest:
		return fmt.Errorf("highest trackable value %d is outside [2×lowest, %d]", highest, int64(MaxHighest))
	case ratio != 1 && ratio != 0:
		return fmt.Errorf("integer-to-double ratio %v: only integer nanosecond histograms are accepted", ratio)
	}
	return nil
}
