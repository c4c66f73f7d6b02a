// Package stats owns the statistics of meshperf's gates: how far one set of
// repeated runs is shifted from another, with a confidence interval, and the
// verdict of that interval against a limit.
//
// The method is the Hodges–Lehmann shift estimate with its Mann–Whitney
// (Moses) confidence interval. Given runs x (say, baseline or old) and y
// (meshed or new), the estimate is the median of the m·n differences
// y[j] − x[i]; the interval runs between two order statistics of those
// differences, chosen from the distribution of the Mann–Whitney U statistic
// under no shift: exact for up to ExactLimit runs a side, its normal
// approximation (with continuity correction) beyond.
//
// Assumptions, which callers should make true:
//   - The runs are independent: interleave the two sides (meshperf sweep
//     -count shuffles every round) so that drift on the machine lands on
//     both alike.
//   - The two sides differ by a location shift: y is distributed as x + d.
//     Nothing else about the distribution is assumed (no normality), which
//     suits per-run percentiles, whose noise is skewed and heavy-tailed.
//
// Ties (equal values, such as rounded CPU readings) do not break the
// method: the interval is the closed one, whose coverage is then at least
// the nominal level (Noether 1967), so ties only make it conservative.
//
// With few runs no interval exists at a given level: with 3 runs a side the
// smallest two-sided error of the U distribution is 2/20 = 10%, so a 95%
// interval is unbounded (Lo = −Inf, Hi = +Inf) and every verdict is
// Inconclusive. From 4 runs a side a 95% interval exists.
//
// The package imports nothing of meshperf; assertions, compare and the
// sweep all use it.
package stats
