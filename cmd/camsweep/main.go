// Command camsweep finds IP cameras on the networks it is pointed at, works
// out who made them and flags the ones a policy covers. The command only
// wires: flags to sweep.Options and the other packages' inputs, signals to
// a context, results to the terminal. The lab has its own command,
// cmd/camsweep-lab.
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

	"github.com/camsweep/camsweep/internal/exitcode"
)

// usageErr marks an error as bad input from the user (exit 2). The exit
// statuses themselves are internal/exitcode's.
func usageErr(format string, a ...any) error { return exitcode.Usagef(format, a...) }

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
	var ce *exitcode.CodedError
	if err != nil && !errors.As(err, &ce) {
		// cobra's own flag and argument errors are usage errors.
		fmt.Fprintln(stderr, "camsweep:", err)
		fmt.Fprintln(stderr, "Run 'camsweep --help' for usage.")
		return exitcode.Usage
	}
	code := exitcode.Of(err, exitcode.Usage)
	if err != nil && ce.Err != nil && !exitcode.Quiet(code) {
		fmt.Fprintln(stderr, "camsweep:", ce.Err)
	}
	return code
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
	root.AddCommand(newScanCmd(), newPcapCmd(), newListenCmd(), newRulesCmd(), newVendorsCmd(), newOUICmd(), newVersionCmd(), newDiffCmd(), newHistoryCmd(), newSwitchesCmd())
	return root
}
