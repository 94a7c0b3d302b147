package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/camsweep/camsweep/device"
)

func TestStatusOf(t *testing.T) {
	notRTSP := Mismatch("not an RTSP response")
	for _, tt := range []struct {
		err  error
		want device.Status
	}{
		{nil, device.StatusOpen},
		{fmt.Errorf("rtsp 192.0.2.1:554: %w", notRTSP), device.StatusProtocolMismatch},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, device.StatusRefused},
		{fmt.Errorf("dvrip: read: %w", os.ErrDeadlineExceeded), device.StatusTimeout},
		{context.DeadlineExceeded, device.StatusTimeout},
		{fmt.Errorf("dvrip: partial reply: %w", errors.Join(errors.New("short"), io.ErrUnexpectedEOF)), device.StatusClosed},
		{&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, device.StatusClosed},
		{errors.New("tls: handshake failure"), device.StatusError},
	} {
		if got := StatusOf(tt.err); got != tt.want {
			t.Errorf("StatusOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", notRTSP), notRTSP) {
		t.Error("a wrapped Mismatch is not errors.Is its sentinel")
	}
}
