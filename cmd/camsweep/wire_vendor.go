package main

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/sadp"
)

// sadpSweeper is Hikvision SADP discovery (UDP 37020).
func sadpSweeper(o wireOpts) (scanner.Sweeper, error) {
	return sadp.New(sadp.Config{Iface: o.Iface})
}

// dhipSweeper is Dahua DHIP discovery (UDP 37810).
func dhipSweeper(o wireOpts) (scanner.Sweeper, error) {
	return dhip.New(dhip.Config{Iface: o.Iface})
}
