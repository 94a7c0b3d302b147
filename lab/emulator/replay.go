package emulator

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/camsweep/camsweep/corpus"
)

// ProfileReplay is a device of the corpus of real replies (testdata/real)
// replayed as recorded: its HTTP and ONVIF answers on TCP 80, its RTSP
// answers on 554, and its WS-Discovery ProbeMatches on UDP 3702 (only the
// RelatesTo echo of the probe's MessageID changes). A request that was not
// recorded gets silence. Replies whose addresses point elsewhere (an SSDP
// LOCATION, XAddrs of the recording network) are served as they are.
const ProfileReplay = "replay"

// newReplay builds the emulator of a corpus device.
func newReplay(d Device) (*Emulator, error) {
	if d.ReplayDir == "" || d.ReplayKey == "" {
		return nil, fmt.Errorf("emulator %s: a replay device needs a corpus directory and a device key", d.Name)
	}
	devs, err := corpus.Load(d.ReplayDir)
	if err != nil {
		return nil, fmt.Errorf("emulator %s: %w", d.Name, err)
	}
	var dev *corpus.Device
	for _, cd := range devs {
		if cd.Key == d.ReplayKey {
			dev = cd
		}
	}
	if dev == nil {
		return nil, fmt.Errorf("emulator %s: no device %q in the corpus at %s", d.Name, d.ReplayKey, d.ReplayDir)
	}
	srv := corpus.NewServer(dev)
	e := &Emulator{Device: d, Timeouts: DefaultTimeouts}
	handle := func(port uint16) func(context.Context, net.Conn) {
		return func(_ context.Context, c net.Conn) { srv.Serve(c, port) }
	}
	if srv.HasHTTP() {
		e.Services = append(e.Services, Service{Port: 80, Name: "http", Handle: handle(80)})
	}
	if srv.HasRTSP() {
		e.Services = append(e.Services, Service{Port: 554, Name: "rtsp", Handle: handle(554)})
	}
	e.UDP = append(e.UDP, UDPService{Port: wsdPort, Name: "ws-discovery", Group: wsdGroup,
		Handle: func(req []byte, _ netip.AddrPort) [][]byte {
			if r := srv.WSDReply(req); r != nil {
				return [][]byte{r}
			}
			return nil
		}})
	return e, nil
}
