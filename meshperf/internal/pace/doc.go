// Package pace owns waiting until a request's intended send time.
//
// Go's runtime timers overshoot by 0.1–1 ms on small virtual machines, which
// is larger than the overhead of a sidecar. On Linux a Waiter therefore
// blocks its OS thread on a timerfd armed with an absolute CLOCK_MONOTONIC
// deadline, which wakes within tens of microseconds. Elsewhere, or when a
// timerfd cannot be made, it falls back to a runtime timer. Whatever
// lateness remains is not hidden: the load engine records it as send lag.
//
// The schedule itself is arithmetic: Schedule maps a slot index to its
// offset from the start of a run for a constant rate.
package pace
