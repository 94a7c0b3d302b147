// Package netquiet tells a device's silence from a real failure. A port
// that refuses, resets, times out or is unreachable is the normal answer of
// most addresses in a sweep: the probers report it as "no evidence", never
// as an error, and keep errors for what an operator should see.
package netquiet

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Silent reports whether err (nil included) means the peer said nothing
// useful: EOF, a timeout, a refusal or reset, a broken pipe, no route.
func Silent(err error) bool {
	var ne net.Error
	switch {
	case err == nil,
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return false
}
