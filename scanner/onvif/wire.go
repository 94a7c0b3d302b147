package onvif

import "github.com/camsweep/camsweep/device"

// Source is the method's name and its evidence's source. The method is
// built in the list of protocols (scanner/protocols), which hands it the
// credentials file's entries besides scanner.WireConfig.
const Source = device.SourceONVIF

// AddressFields are the fields naming other addresses of the device: the
// addresses of GetNetworkInterfaces other than the one asked
// (multi-homing evidence for the zone review, policy.PrimaryAddrs).
var AddressFields = []string{"onvif.other_addrs"}
