package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/camsweep/camsweep/lab/emulator"
)

// ServeOptions tune Serve.
type ServeOptions struct {
	// Addr is the address to bind; the zero Addr means the device's own
	// address (which exists only inside its namespace).
	Addr netip.Addr
	// Ready, when set, is a file Serve writes once every port listens:
	// one "port name" line per service. Up waits for it.
	Ready string
}

// Serve runs the emulator of device until ctx ends (the lab starts it as
// "camsweep-lab serve" inside the device's namespace).
func Serve(ctx context.Context, spec *Spec, device string, opts ServeOptions) error {
	d, ok := spec.Device(device)
	if !ok && len(spec.hostDevices(device)) > 0 {
		return serveHost(ctx, spec, device, opts)
	}
	if !ok {
		return fmt.Errorf("lab serve: no device %q in the spec", device)
	}
	e, err := emulator.New(d.emulatorDevice())
	if err != nil {
		return err
	}
	addr := opts.Addr
	if !addr.IsValid() {
		addr = netip.MustParseAddr(d.Address)
	}
	lns, err := e.Listen(addr)
	if err != nil {
		return fmt.Errorf("lab serve: %w", err)
	}
	pcs, err := e.ListenUDP(addr)
	if err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return fmt.Errorf("lab serve: %w", err)
	}
	if opts.Ready != "" {
		var b strings.Builder
		for i, s := range e.Services {
			fmt.Fprintf(&b, "%s %s\n", lns[i].Addr(), s.Name)
		}
		for i, s := range e.UDP {
			fmt.Fprintf(&b, "udp %s %s\n", pcs[i].LocalAddr(), s.Name)
		}
		// Written then renamed, so Up never sees half a file.
		tmp := filepath.Join(filepath.Dir(opts.Ready), "."+filepath.Base(opts.Ready)+"."+strconv.Itoa(os.Getpid()))
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("lab serve: %w", err)
		}
		if err := os.Rename(tmp, opts.Ready); err != nil {
			return fmt.Errorf("lab serve: %w", err)
		}
	}
	cl := connLog(opts, d.Name)
	defer cl.Close()
	lns = emulator.CountListeners(lns, cl)
	var wg sync.WaitGroup
	wg.Go(func() { _ = e.ServeUDP(ctx, pcs) })
	err = e.Serve(ctx, lns)
	wg.Wait()
	// A device with no service (arp-only) still waits for its end, so the
	// lab sees its emulator alive like any other.
	<-ctx.Done()
	return err
}
