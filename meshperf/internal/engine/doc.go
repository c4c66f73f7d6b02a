// Package engine owns the load loop: workers, the open-loop schedule, the
// accounting of backlog, send lag and late sends, and the recording of every
// measured request into latency histograms.
//
// Open loop (QPS > 0). Slot i is intended at start + i/QPS. A free worker
// claims the next slot, waits for its intended time if it is still ahead,
// and sends. Two delays are kept apart:
//
//   - Backlog: the slot was already due when a worker became free to claim
//     it, because every worker was busy. The target caused that wait, so it
//     is charged: response time = backlog + service time. This is how
//     coordinated omission is avoided. Such sends are counted as late.
//   - Send lag: a worker was free, but its timer woke after the intended
//     time. That is the generator's own noise; it is recorded in its own
//     histogram and not charged to the target.
//
// The measured window holds a fixed number of slots (duration × QPS, or the
// exact count asked for). A duration's window closes at the intended time of
// the slot after the last one; slots still unclaimed then are counted as
// unsent, never silently dropped, and the run ends when the requests in
// flight finish. A count's window does not close on time: every one of its
// slots is sent, late if the workers fell behind, so a count is exact.
//
// Cancelling ctx interrupts the run: the window ends there, the outcome is
// marked Interrupted, requests in flight are counted as InFlight, and
// measured slots that fell due before the interruption but were never sent
// are counted as unsent.
//
// Closed loop (QPS == 0). Each worker sends its next request as soon as the
// previous one completes; response time equals service time.
//
// Warm-up requests run through the same loop and are discarded.
//
// Two ways to drive the connections keep these semantics. By default each
// worker is a goroutine with its own transport.Conn and, in open loop, its
// own OS timer. When Config.Loop is set (plain HTTP/1.1 on Linux), one
// goroutine on one OS thread runs every connection on the transport's event
// loop: worker c is connection c, a single timer wakes the loop for the
// next due slot, and each wake-up hands every slot then due to a free
// connection, the longest-free first. A slot that finds a connection free
// at its intended time is sent with its send lag; one that finds none waits
// for the next connection to free, and is late with that backlog charged.
package engine
