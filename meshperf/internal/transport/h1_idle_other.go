//go:build !linux

package transport

// idleProbe finds nothing where the socket cannot be peeked at; bytes
// already read past a response are still caught (see h1Conn.checkIdle).
type idleProbe struct{}

func (*idleProbe) reset(any) {}

func (*idleProbe) waiting() (bool, error) { return false, nil }
