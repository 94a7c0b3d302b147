package emulator

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// AnnounceEvery is how often an announcing device repeats itself. Real
// devices send a DHCP request when their lease is half gone and their
// discovery notices on their own schedules (minutes apart); the lab
// repeats every few seconds so that a capture started after "lab up"
// holds every kind within seconds (issue 17: passive discovery).
const AnnounceEvery = 2 * time.Second

// Cloud names the lab's devices resolve: the makers' own cloud servers
// (passive/clouds.yaml gives the sources).
var announceCloud = map[string]string{
	ProfileHikvision:    "dev.hik-connect.com",
	ProfileHikvisionNVR: "dev.hik-connect.com",
	ProfileDahua:        "www.easy4ipcloud.com",
	ProfileXiongmai:     "pub-cfg.secu100.net",
}

// udhcpVendorClass is what busybox udhcpc, the DHCP client of most camera
// firmware, sends as option 60 unless told otherwise ("udhcp " and its
// version: gamelinux/prads etc/dhcp.fp lists "udhcp 1.15.3" DISCOVERs and
// REQUESTs with the request list 1,3,6,12,15,17,28,42).
const udhcpVendorClass = "udhcp 1.31.1"

// announcer makes a device talk without being asked, as real devices do on
// a network nobody scans: a DHCP request (hostname, vendor class,
// parameter request list), a DNS query for its maker's cloud, and its
// discovery notice (the SADP ProbeMatch a Hikvision device multicasts, the
// Dahua DHIP notifyDevInfo, the Xiongmai XMEye reply by broadcast): the
// same bytes the emulator answers a search with. It sends only; it is a
// RawService so the emulator starts it with the device's address.
type announcer struct {
	e    *Emulator
	addr netip.Addr
}

func (a *announcer) Open(addr netip.Addr) error {
	a.addr = addr
	return nil
}

func (a *announcer) Serve(ctx context.Context) {
	t := time.NewTicker(AnnounceEvery)
	defer t.Stop()
	for _, cam := range a.e.Device.Records {
		go a.record(ctx, cam)
	}
	for {
		a.once()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// once sends one round; a datagram the kernel refuses is skipped (the
// next round tries again).
func (a *announcer) once() {
	e := a.e
	_, gw := ifaceFacts(a.addr)
	a.send(68, netip.MustParseAddrPort("255.255.255.255:67"), a.dhcpRequest())
	if name := announceCloud[e.Device.Profile]; name != "" {
		if g, err := netip.ParseAddr(gw); err == nil && !g.IsUnspecified() {
			a.send(0, netip.AddrPortFrom(g, 53), dnsQuery(name))
		}
	}
	switch e.Device.Profile {
	case ProfileHikvision, ProfileHikvisionNVR:
		to := netip.AddrPortFrom(sadpGroup, sadpPort)
		for _, b := range e.sadpReply([]byte(`<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>8E2A2E6C-1B7D-4C38-9C2A-3E1D5F0A7B61</Uuid><Types>inquiry</Types></Probe>`), to) {
			a.send(0, to, b)
		}
	case ProfileDahua:
		to := netip.AddrPortFrom(dhipGroup, dhipPort)
		for _, b := range e.dhipReply(dhipSearchFrame(), to) {
			a.send(0, to, b)
		}
	case ProfileXiongmai:
		req := make([]byte, 20)
		req[0] = 0xff
		binary.LittleEndian.PutUint16(req[14:], xmeyeSearch)
		to := netip.MustParseAddrPort("255.255.255.255:" + strconv.Itoa(xmeyePort))
		for _, b := range e.xmeyeReply(req, to) {
			a.send(0, to, b)
		}
	}
}

// send sends b from the device's address (port sport, 0: any) to to,
// with broadcasts allowed.
func (a *announcer) send(sport int, to netip.AddrPort, b []byte) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
			if serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pc, err := lc.ListenPacket(ctx, "udp4", netip.AddrPortFrom(a.addr, uint16(sport)).String())
	if err != nil {
		return
	}
	defer pc.Close()
	_ = pc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
}

// dhcpRequest is a DHCPREQUEST of a client in the REBINDING state (RFC
// 2131 §4.4.5): broadcast, from its own address, ciaddr set.
func (a *announcer) dhcpRequest() []byte {
	d := &layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6,
		Xid: binary.BigEndian.Uint32(a.e.Device.MAC[2:]), ClientHWAddr: a.e.Device.MAC, ClientIP: a.addr.AsSlice(),
		YourClientIP: net.IPv4zero, NextServerIP: net.IPv4zero, RelayAgentIP: net.IPv4zero}
	d.Options = layers.DHCPOptions{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeRequest)}),
		layers.NewDHCPOption(layers.DHCPOptClientID, append([]byte{1}, a.e.Device.MAC...)),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte(a.e.Device.Name)),
		layers.NewDHCPOption(layers.DHCPOptClassID, []byte(udhcpVendorClass)),
		// udhcpc's default request list: subnet, router, DNS, hostname,
		// domain, broadcast, NTP (busybox networking/udhcp/common.c).
		layers.NewDHCPOption(layers.DHCPOptParamsRequest, []byte{1, 3, 6, 12, 15, 28, 42}),
		layers.NewDHCPOption(layers.DHCPOptEnd, nil),
	}
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// dnsQuery is a recursive A query for name.
func dnsQuery(name string) []byte {
	q := &layers.DNS{ID: 0x4a11, RD: true, QDCount: 1,
		Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	buf := gopacket.NewSerializeBuffer()
	if err := q.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// dhipSearchFrame is a DHDiscover.search in its 32-byte DHIP header
// (docs/protocols/dhip.md §4.1), the question whose answer the device
// announces.
func dhipSearchFrame() []byte {
	body := []byte(`{"method":"DHDiscover.search","params":{"mac":"","uni":1}}` + "\n")
	b := make([]byte, 32, 32+len(body))
	binary.LittleEndian.PutUint32(b[0:], 32)
	copy(b[4:], "DHIP")
	binary.LittleEndian.PutUint32(b[16:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[24:], uint32(len(body)))
	return append(b, body...)
}
