package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/dhip"
	"github.com/camsweep/camsweep/scanner/sadp"
	"github.com/camsweep/camsweep/scanner/xmeye"
)

// sadpSweeper is Hikvision SADP discovery (UDP 37020).
func sadpSweeper(o wireOpts) (scanner.Sweeper, error) {
	return sadp.New(sadp.Config{Iface: o.Iface})
}

// dhipSweeper is Dahua DHIP discovery (UDP 37810).
func dhipSweeper(o wireOpts) (scanner.Sweeper, error) {
	return dhip.New(dhip.Config{Iface: o.Iface})
}

// xmeyeSweeper is Xiongmai XMEye discovery (UDP 34569): a broadcast on
// the interfaces the scan uses (only --iface when given) and unicast to
// every target.
func xmeyeSweeper(o wireOpts) (scanner.Sweeper, error) {
	return xmeye.New(xmeye.Config{Iface: o.Iface})
}
