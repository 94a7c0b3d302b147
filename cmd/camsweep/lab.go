package main

import "github.com/spf13/cobra"

// newLabCmd is being written by the lab work (camsweep lab up|down|status).
func newLabCmd() *cobra.Command {
	return &cobra.Command{Use: "lab", Short: "Manage the simulated lab network (root, Linux)"}
}
