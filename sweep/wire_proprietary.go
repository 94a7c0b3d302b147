package sweep

import (
	"github.com/camsweep/camsweep/scanner"
	"github.com/camsweep/camsweep/scanner/dvrip"
	"github.com/camsweep/camsweep/scanner/hiksdk"
)

// dvripProber asks an open TCP 37777 for the DVRIP login realm (one
// request, no login): Dahua names its serial there.
func dvripProber(o wireOpts) (scanner.PortProber, error) {
	return dvrip.New(dvrip.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: o.Dial}})
}

// dvrip5050Sweeper is Dahua's legacy binary discovery (UDP 5050), sent by
// unicast to every target: no broadcast.
func dvrip5050Sweeper(o wireOpts) (scanner.Sweeper, error) {
	return dvrip.NewSweeper(dvrip.SearchConfig{Iface: o.Iface})
}

// hiksdkProber looks at an open TCP 8000, the Hikvision SDK port: it
// listens first, then sends nmap's GET request and reads the reply frame.
func hiksdkProber(o wireOpts) (scanner.PortProber, error) {
	return hiksdk.New(hiksdk.Config{PortConfig: scanner.PortConfig{Timeout: o.Timeout, Dial: o.Dial}})
}
