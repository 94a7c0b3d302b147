package emulator

import (
	"crypto/sha256"
	"strconv"
)

// Favicon is the icon a profile's web server serves at /favicon.ico. The
// vendors' real icons are not ours to ship, so these are arbitrary bytes:
// an ICO header (one 16×16 image) and a body derived from the vendor
// name. Rules that know a real icon's hash (vendors/rules/favicon.yaml)
// therefore do not fire in the lab; the scan's hashing is checked against
// these bytes instead (e2e). Hikvision's cameras and recorders share one
// icon, as the real ones do; nil for profiles that serve none.
func Favicon(profile string) []byte {
	var vendor string
	switch profile {
	case ProfileHikvision, ProfileHikvisionNVR:
		vendor = "hikvision"
	case ProfileDahua:
		vendor = "dahua"
	default:
		return nil
	}
	icon := []byte{
		0, 0, 1, 0, 1, 0, // ICONDIR: reserved, type 1 (icon), one image
		16, 16, 0, 0, 1, 0, 32, 0, // 16×16, no palette, 1 plane, 32 bpp
		0, 0, 0, 0, 22, 0, 0, 0, // size (set below), offset 22
	}
	seed := sha256.Sum256([]byte("camsweep lab favicon, not the vendor's: " + vendor))
	for len(icon) < 22+256 {
		icon = append(icon, seed[:]...)
		seed = sha256.Sum256(seed[:])
	}
	icon = icon[:22+256]
	icon[14] = 0 // 256 bytes of image data: 0x100
	icon[15] = 1
	return icon
}

// faviconReply answers GET /favicon.ico with the profile's icon. How the
// real servers frame it was not captured: plain headers, no quirks.
func (e *Emulator) faviconReply() reply {
	icon := Favicon(e.Device.Profile)
	head := "HTTP/1.1 200 OK\r\nContent-Type: image/x-icon\r\nContent-Length: " + strconv.Itoa(len(icon)) + "\r\n\r\n"
	return reply{data: append([]byte(head), icon...), keep: true}
}
