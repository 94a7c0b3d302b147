// Command camsweep finds IP cameras on the networks it is pointed at, works
// out who made them and flags the ones a policy covers. This file only wires:
// flags to configs, signals to a context, packages to each other.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of DESIGN.md §Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitFindings    = 3
	exitInterrupted = 130
)

// exitError carries an exit code through cobra's error return.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

// runtimeErr gives an error a command's RunE returns without an exit code
// the code of a failure at run time (1): only cobra's own flag and argument
// errors, which never reach RunE, and usageErr are usage errors (2).
func runtimeErr(err error) error {
	var ce *codeError
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return &codeError{code: exitError, err: err}
}

// usageErr marks an error as bad input from the user (exit 2).
func usageErr(format string, a ...any) error {
	return &codeError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	return runIO(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// runIO is run with its standard streams given (tests).
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ce *codeError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.code != exitFindings && ce.code != exitInterrupted && ce.code != exitOK {
			fmt.Fprintln(stderr, "camsweep:", ce.err)
		}
		return ce.code
	}
	// cobra's own flag and argument errors are usage errors.
	fmt.Fprintln(stderr, "camsweep:", err)
	fmt.Fprintln(stderr, "Run 'camsweep --help' for usage.")
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "camsweep",
		Short: "Find IP cameras, identify who really made them, and flag covered ones on primary networks",
		Long: `camsweep finds IP surveillance cameras, NVRs and DVRs on the networks you point it at,
works out the platform maker behind each one (Hikvision and Dahua behind their relabels
among them), places each device in a zone, and reports the ones whose maker a policy
covers when they sit on a primary network.

Only scan networks you are authorised to scan. camsweep is read-only: it never guesses
passwords and never changes a device's settings.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newScanCmd(), newRulesCmd(), newVendorsCmd(), newOUICmd(), newVersionCmd(), newDiffCmd(), newHistoryCmd())
	return root
}
