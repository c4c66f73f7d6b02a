// Package latency owns meshperf's latency histograms: their geometry, their
// lossless merging, their wire encoding, and the percentile summaries read
// from them.
//
// Every histogram holds nanoseconds in an HdrHistogram with a lowest
// discernible value of 1 ns and 3 significant digits, so any recorded value
// reads back within 0.1% (exactly, below 2048 ns). Histograms travel between
// processes in the HdrHistogram V2 compressed encoding, base64 text that the
// C and Java HdrHistogram tools read too, and histograms of the same unit merge
// without losing precision. That is how repetitions, steps and several load
// generators combine into one distribution.
//
// Quantiles in this package are fractions in [0, 1] (0.99 is p99); the
// underlying library's percentiles in [0, 100] never leak out of it.
package latency
