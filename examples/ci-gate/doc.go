// Package cigate is a regression gate: record a baseline of a benchmark,
// measure again after a change, and fail the build when `meshperf compare
// -fail-on` finds a significant regression. `make ci-gate` runs it and
// README.md has the GitHub Actions job.
//
// The service under test is this package's own test binary, re-run as an
// echo server inside the local fixture's server pod (in your repository it
// is your service's binary), so that a regression can be injected for the
// demonstration: -app-delay (or CI_GATE_APP_DELAY) slows every response.
//
// The package holds only tests; nothing imports it.
package cigate
