package pace

// Mono returns the instant on CLOCK_MONOTONIC in nanoseconds, as an OS
// timer armed with an absolute deadline reads it; it is 0 where Precise is
// false.
func (i Instant) Mono() int64 { return i.mono }
