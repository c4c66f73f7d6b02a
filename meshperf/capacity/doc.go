// Package capacity finds the highest request rate a Target sustains within
// a criterion, such as an assertions.Budget: the search that sits above
// meshperf.Run.
//
// SearchContext ramps ×2 from a start rate until a step fails, narrows the
// bracket to a tolerance (1% by default), using a saturated step's
// throughput as an estimate, then retries the boundary and says whether
// the tries agree. Each step is one meshperf.RunContext; Load passes it
// the load options. Search is the test helper twin, and Report the
// testing.B metric (max-qps) that benchstat compares.
//
// A Result writes itself as the "capacity" member of a results document;
// Document is meshperf.Document with that member, the file `meshperf
// capacity -json` writes.
package capacity
