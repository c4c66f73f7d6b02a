// Package errkind names why a `meshperf load` run that measured a result
// failed, as the error_kind member of its -json document carries it. A
// fixture that runs the command in a pod reads this typed reason instead
// of matching the text of the error on stderr.
package errkind
