// Package examples holds runnable meshperf programs and benchmarks. Nothing
// imports them; each subdirectory has a README that says what it shows.
package examples
