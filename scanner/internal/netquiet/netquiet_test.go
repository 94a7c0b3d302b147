package netquiet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

func TestSilent(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, true},
		{io.EOF, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{context.DeadlineExceeded, true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{&net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}, true},
		{&net.OpError{Op: "dial", Err: syscall.EACCES}, false},
		{errors.New("tls: handshake failure"), false},
	} {
		if got := Silent(tc.err); got != tc.want {
			t.Errorf("Silent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
