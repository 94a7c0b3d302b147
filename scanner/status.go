package scanner

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/camsweep/camsweep/device"
)

// Mismatch is the error of a port that answered, but not in the protocol
// the prober speaks (an HTTP server on the RTSP port): the probers'
// ErrNot… values are Mismatches so the record can say protocol-mismatch
// without parsing their words.
type Mismatch string

func (m Mismatch) Error() string { return string(m) }

// StatusOf classifies a prober's error for device.Outcome; it reads only
// the error's chain, never its text. nil is StatusOpen: the probe ran.
func StatusOf(err error) device.Status {
	var mm Mismatch
	var ne net.Error
	switch {
	case err == nil:
		return device.StatusOpen
	case errors.As(err, &mm):
		return device.StatusProtocolMismatch
	case errors.Is(err, syscall.ECONNREFUSED):
		return device.StatusRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return device.StatusTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return device.StatusClosed
	}
	return device.StatusError
}
