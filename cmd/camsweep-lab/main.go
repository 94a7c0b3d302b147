// Command camsweep-lab manages the simulated lab network the tests, the
// demo and the benchmarks scan: "camsweep-lab up|down|status|zones" and the
// hidden "serve" that runs one device's emulator inside its namespace.
// It is its own binary so that the shipped scanner, which may run with
// CAP_NET_RAW, carries neither the device emulators nor root "ip netns"
// calls (issue 15).
package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/lab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	// cobra's own flag and argument errors carry no code: usage errors.
	code := exitcode.Of(err, exitcode.Usage)
	if err != nil {
		fmt.Fprintln(stderr, "camsweep-lab:", err)
	}
	return code
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "camsweep-lab",
		Short: "Manage the simulated lab network camsweep is tested against (root, Linux)",
		Long: `The lab is a simulated department network built from Linux network namespaces:
a jump host for the scanner, a primary segment and an isolated CCTV segment behind
a router, and emulated cameras, a web server and an office PC. Every address is
in 198.18.0.0/15 and nothing is added to the root namespace.

  camsweep-lab up
  ip netns exec csw-jump camsweep scan 198.18.10.0/24 198.18.20.0/24 \
      --zones /run/camsweep-lab/csw-/zones.yaml
  camsweep-lab down`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newLabUpCmd(), newLabDownCmd(), newLabStatusCmd(), newLabZonesCmd(), newLabServeCmd())
	return root
}

// usageErr marks bad input from the user (exit 2); any other error of a
// command is a failure at run time (exit 1).
func usageErr(format string, a ...any) error { return exitcode.Usagef(format, a...) }

// loadSpec reads --spec or the embedded default; a bad spec is a usage error.
func loadSpec(path string) (*lab.Spec, error) {
	var (
		s   *lab.Spec
		err error
	)
	if path == "" {
		s, err = lab.DefaultSpec()
	} else {
		s, err = lab.LoadSpec(path)
	}
	if err != nil {
		return nil, usageErr("%w", err)
	}
	return s, nil
}

func newLabUpCmd() *cobra.Command {
	var specPath, stateDir string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Build the lab (tearing down a stale one first) and start the emulators",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := loadSpec(specPath)
			if err != nil {
				return err
			}
			opts := lab.Options{StateDir: stateDir}
			if err := lab.Up(cmd.Context(), spec, opts); err != nil {
				return exitcode.Runtime(err)
			}
			dir := stateDir
			if dir == "" {
				dir = lab.DefaultStateDir(spec.Prefix)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "lab %q is up: scanner namespace %s (%s)\n\n", spec.Prefix, spec.JumpNS(), spec.Jump.Address)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DEVICE\tSEGMENT\tADDRESS\tMAC\tPROFILE")
			for _, d := range spec.Devices {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Name, d.Segment, d.Address, d.MAC, d.Profile)
			}
			tw.Flush()
			var cidrs string
			for _, sg := range spec.Segments {
				cidrs += " " + sg.CIDR
			}
			fmt.Fprintf(out, "\nscan it:  ip netns exec %s camsweep scan%s --zones %s\n", spec.JumpNS(), cidrs, filepath.Join(dir, "zones.yaml"))
			fmt.Fprintf(out, "stop it:  camsweep-lab down --prefix %s\n", spec.Prefix)
			return nil
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "lab spec YAML (default: the built-in spec)")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "state directory (default /run/camsweep-lab/<prefix>)")
	return cmd
}

// prefixOf is --prefix, else the prefix of --spec, else the default's.
func prefixOf(prefix, specPath string) (string, error) {
	if prefix != "" {
		return prefix, nil
	}
	s, err := loadSpec(specPath)
	if err != nil {
		return "", err
	}
	return s.Prefix, nil
}

func newLabDownCmd() *cobra.Command {
	var specPath, prefix, stateDir string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the emulators and delete the lab's namespaces (also after a crash)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := prefixOf(prefix, specPath)
			if err != nil {
				return err
			}
			if err := lab.Down(cmd.Context(), p, lab.Options{StateDir: stateDir}); err != nil {
				return exitcode.Runtime(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %q is down\n", p)
			return nil
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "lab spec YAML whose prefix to take down")
	cmd.Flags().StringVar(&prefix, "prefix", "", "namespace prefix to take down (default: the spec's)")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "state directory (default /run/camsweep-lab/<prefix>)")
	return cmd
}

func newLabStatusCmd() *cobra.Command {
	var specPath, prefix string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the lab's namespaces and whether each emulator runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := prefixOf(prefix, specPath)
			if err != nil {
				return err
			}
			st, err := lab.Status(cmd.Context(), p)
			if err != nil {
				return exitcode.Runtime(err)
			}
			out := cmd.OutOrStdout()
			if len(st.Namespaces) == 0 {
				fmt.Fprintf(out, "lab %q is down: no namespaces\n", p)
				return nil
			}
			state := "up"
			if !st.Up() {
				state = "degraded"
			}
			fmt.Fprintf(out, "lab %q is %s: %d namespaces\n", p, state, len(st.Namespaces))
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DEVICE\tNAMESPACE\tEMULATOR")
			for _, e := range st.Emulators {
				s := "stopped"
				if e.Alive() {
					s = fmt.Sprintf("running (pid %v)", e.PIDs)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Device, e.Namespace, s)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "lab spec YAML whose prefix to show")
	cmd.Flags().StringVar(&prefix, "prefix", "", "namespace prefix (default: the spec's)")
	return cmd
}

func newLabZonesCmd() *cobra.Command {
	var specPath string
	cmd := &cobra.Command{
		Use:   "zones",
		Short: "Print the zones file of the lab's segments for camsweep scan --zones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := loadSpec(specPath)
			if err != nil {
				return err
			}
			z, err := lab.Zones(spec)
			if err != nil {
				return exitcode.Runtime(err)
			}
			_, err = cmd.OutOrStdout().Write(z)
			return exitcode.Runtime(err)
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "lab spec YAML (default: the built-in spec)")
	return cmd
}

func newLabServeCmd() *cobra.Command {
	var specPath, device, ready, listen string
	cmd := &cobra.Command{
		Use:    "serve",
		Short:  "Run one device's emulator until SIGTERM (started by up inside the device's namespace)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if specPath == "" || device == "" {
				return usageErr("serve needs --spec and --device")
			}
			spec, err := loadSpec(specPath)
			if err != nil {
				return err
			}
			opts := lab.ServeOptions{Ready: ready}
			if listen != "" {
				if opts.Addr, err = netip.ParseAddr(listen); err != nil {
					return usageErr("--listen: %w", err)
				}
			}
			return exitcode.Runtime(lab.Serve(cmd.Context(), spec, device, opts))
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "lab spec YAML")
	cmd.Flags().StringVar(&device, "device", "", "device name in the spec")
	cmd.Flags().StringVar(&ready, "ready", "", "file to write once listening")
	cmd.Flags().StringVar(&listen, "listen", "", "address to bind instead of the device's")
	return cmd
}
