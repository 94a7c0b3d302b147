package scanner

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/camsweep/camsweep/device"
)

// PortConfig is the part of a port prober's Config that every prober has
// (zgrab2's BaseFlags): each protocol's Config embeds it, and its New
// calls Fill once instead of repeating the same checks. A field a
// protocol does not use (MaxBytes for TLS) stays zero.
type PortConfig struct {
	// Dial opens the TCP connection; nil uses a net.Dialer.
	Dial DialFunc
	// Ports are the ports Accepts takes; nil means the prober's defaults.
	Ports []uint16
	// Timeout bounds one probe, connect to last byte.
	Timeout time.Duration
	// MaxBytes bounds what one answer may make the prober read.
	MaxBytes int
	// UserAgent is sent as is ("camsweep/1.2.0") by probers that send one.
	UserAgent string
}

// PortDefaults are one prober's values for PortConfig's zero fields.
type PortDefaults struct {
	Ports     []uint16
	Timeout   time.Duration
	MaxBytes  int
	UserAgent string
}

// Fill checks c and fills its zero fields from d: no negative timeout or
// byte limit, no port 0, no control character in the user agent (it goes
// into a request line's neighbour, where CR LF would forge headers). The
// errors name src, the prober's method and evidence source.
func (c *PortConfig) Fill(src device.Source, d PortDefaults) error {
	if c.Timeout < 0 || c.MaxBytes < 0 {
		return fmt.Errorf("%s: negative timeout or byte limit", src)
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
	for _, r := range c.UserAgent {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%s: control character in user agent %q", src, c.UserAgent)
		}
	}
	if c.Ports == nil {
		c.Ports = slices.Clone(d.Ports)
	}
	if slices.Contains(c.Ports, 0) {
		return fmt.Errorf("%s: port 0", src)
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{}).DialContext
	}
	if c.Timeout <= 0 {
		return errors.New(string(src) + ": no timeout (the prober's defaults lack one)")
	}
	return nil
}

// Accepts reports whether port is one of c.Ports, for the probers whose
// Accepts is that and nothing more.
func (c *PortConfig) Accepts(port uint16) bool { return slices.Contains(c.Ports, port) }
