// Package meshperf runs open-loop load against a Target and reports latency
// the way a user experiences it.
//
// A run is described by Options (rate, concurrency, duration or request
// count, warm-up, timeout, request shape, protocol) and executed by Run, a
// test helper, or RunContext, its twin that takes a context and returns an
// error. A Target decides where the load generator runs: URL targets run it
// in this process; fixtures provide Targets that run it inside a pod.
//
// Latency is response time: service time (send to response complete) plus
// the time a request waited for a free worker after its intended send time.
// Charging that backlog is how meshperf avoids coordinated omission. The
// generator's own timer lateness is not charged; it is reported separately
// as send lag. See package latency for the histograms behind every number,
// and Report for the testing.B metrics that benchstat compares.
//
// Results travel as JSON: a Result in the SMP form, and a results Document
// of many steps, which Out appends to and DocumentReader streams. Members a
// document holds beside its steps (a command's config, the searches of
// package capacity) are kept and handed back, never interpreted here.
//
// The root package holds one run and its result. What builds on runs sits
// above it and imports it, never the reverse: package capacity searches the
// highest rate a budget allows, and package report draws results as HTML.
package meshperf
