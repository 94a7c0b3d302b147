//go:build !linux

package liveness

import (
	"context"
	"errors"
)

func openRaw(context.Context, string) (rawConns, error) {
	return rawConns{}, errors.New("liveness: raw sockets are implemented on Linux only")
}
