package fingerprint

import "github.com/camsweep/camsweep/device"

// NotACamera is what GuessMaker returns when the rules say the evidence is
// of a device that is no camera (a printer, a PC, a plain web server).
const NotACamera = "-"

// GuessMaker runs the rules over one piece of evidence alone and names the
// maker they point to, NotACamera when they say it is some other kind of
// device, or "" when they say nothing. Probers use it to ask a device only
// the follow-up questions its maker answers (STYLE: rules decide vendors,
// so the probe itself stays vendor-blind).
func (e *Engine) GuessMaker(src device.Source, fields map[string]string) string {
	id := e.Identify(&device.Host{Evidence: []device.Evidence{{Source: src, Fields: fields}}})
	switch {
	case id.Vendor != "":
		return id.Vendor
	case id.DeviceType == device.TypeOther:
		return NotACamera
	}
	return ""
}
