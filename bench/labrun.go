package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// startLab brings spec up for one benchmark mode: it resolves the scanner
// and lab binaries, makes the raw-output directory (a new one named after
// rawPrefix when -raw is not given) and returns the bench with the lab's
// bring-up time, and the function that takes the lab down again, which the
// caller defers so that the lab goes also after a failure or ^C.
func startLab(ctx context.Context, cfg *config, spec *lab.Spec, rawPrefix string) (*bench, func() error, error) {
	if err := lab.Check(); err != nil {
		return nil, nil, err
	}
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return nil, nil, err
	}
	labBin, err := filepath.Abs(cfg.labBin)
	if err != nil {
		return nil, nil, err
	}
	if cfg.raw == "" {
		if cfg.raw, err = os.MkdirTemp("", rawPrefix); err != nil {
			return nil, nil, err
		}
	} else if err := os.MkdirAll(cfg.raw, 0o755); err != nil {
		return nil, nil, err
	}
	state := lab.DefaultStateDir(spec.Prefix)
	opts := lab.Options{Binary: labBin, StateDir: state, ReadyTimeout: 120 * time.Second}
	t0 := time.Now()
	if err := lab.Up(ctx, spec, opts); err != nil {
		return nil, nil, err
	}
	down := func() error { return lab.Down(context.WithoutCancel(ctx), spec.Prefix, opts) }
	return &bench{cfg: *cfg, spec: spec, bin: bin, state: state, labUp: time.Since(t0)}, down, nil
}
