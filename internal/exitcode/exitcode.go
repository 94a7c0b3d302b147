// Package exitcode holds camsweep's exit statuses (docs/ARCHITECTURE.md §Exit codes)
// in one place, and the error that carries one through a command's error
// return: the scanner (cmd/camsweep), the sweep library and the lab's own
// command (cmd/camsweep-lab) all answer with these numbers.
package exitcode

import (
	"errors"
	"fmt"
)

// Exit statuses. A finished run can have OK, Error, Findings or
// Interrupted; Usage is bad input from the user, found before anything is
// sent.
const (
	OK          = 0
	Error       = 1
	Usage       = 2
	Findings    = 3
	Interrupted = 130
)

// CodedError carries an exit status with the error that caused it.
type CodedError struct {
	Code int
	Err  error
}

func (e *CodedError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *CodedError) Unwrap() error { return e.Err }

// Usagef is bad input from the user (exit 2).
func Usagef(format string, a ...any) error {
	return &CodedError{Code: Usage, Err: fmt.Errorf(format, a...)}
}

// Runtime gives err the status of a failure at run time (1) unless it
// already carries one; nil stays nil.
func Runtime(err error) error {
	var ce *CodedError
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return &CodedError{Code: Error, Err: err}
}

// With gives err the status code (an interrupt while reading input, a
// run's final status); nil stays nil.
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &CodedError{Code: code, Err: err}
}

// Of is the exit status err asks for: OK for nil, its code when it carries
// one, else def (the caller's status for errors nobody coded: cobra's own
// flag errors are usage errors).
func Of(err error, def int) int {
	if err == nil {
		return OK
	}
	var ce *CodedError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return def
}

// Quiet reports whether the status needs no message: a finished run whose
// findings (3) or interrupt (130) the output already shows.
func Quiet(code int) bool {
	return code == OK || code == Findings || code == Interrupted
}
