package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/mdns"
	"github.com/camsweep/camsweep/scanner/ssdp"
)

// newMDNS is the mDNS / DNS-SD sweeper (scanner/mdns).
func newMDNS(o wireOpts) (scanner.Sweeper, error) {
	return mdns.New(mdns.Config{Iface: o.Iface, Log: o.Log.With().Str("sweeper", "mdns").Logger()})
}

// newSSDP is the SSDP / UPnP sweeper (scanner/ssdp); its description
// fetches use the probers' dialer and user agent.
func newSSDP(o wireOpts) (scanner.Sweeper, error) {
	return ssdp.New(ssdp.Config{Iface: o.Iface, Dial: o.Dial, UserAgent: o.UserAgent})
}
