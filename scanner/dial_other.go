//go:build !linux

package scanner

import "errors"

func bindToDevice(int, string) error {
	return errors.New("--interface is supported on Linux only")
}
