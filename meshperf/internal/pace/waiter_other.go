//go:build !linux

package pace

import (
	"context"
	"errors"
	"time"
)

func precise() bool { return false }

// Now returns the current instant on Go's clock.
func Now() Instant { return Instant{Time: time.Now()} }

type osWaiter struct{ Waiter }

func newOSWaiter(context.Context) (*osWaiter, error) {
	return nil, errors.New("no OS timer on this platform")
}
