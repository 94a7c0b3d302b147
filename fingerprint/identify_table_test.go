package fingerprint

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/camsweep/camsweep/device"
)

// Confidence bands of the identify table. The bands, not exact numbers, are
// the contract: a rule weight may be tuned without rewriting the table, but
// a covered verdict may not drift from "low" to "high" unnoticed.
type band string

const (
	bandNone   band = "none"   // no vendor and no device type
	bandLow    band = "low"    // (0, 0.5): never a stated covered verdict (policy.ConfidentAt)
	bandMedium band = "medium" // [0.5, 0.8)
	bandHigh   band = "high"   // [0.8, 1]
)

func bandOf(id device.Identity) band {
	switch {
	case id.Vendor == "" && (id.DeviceType == device.TypeUnknown || id.DeviceType == "") || id.Confidence == 0:
		return bandNone
	case id.Confidence < 0.5:
		return bandLow
	case id.Confidence < 0.8:
		return bandMedium
	}
	return bandHigh
}

// ev builds one evidence item from "key=value" pairs.
func ev(src device.Source, port uint16, kv ...string) device.Evidence {
	f := make(map[string]string, len(kv))
	for _, s := range kv {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			panic("ev: want key=value, got " + s)
		}
		f[k] = v
	}
	return device.Evidence{Source: src, Port: port, Fields: f}
}

// Evidence of docs/protocols, as the protocol packages turn it into fields
// (vendors/FIELDS.md). The section of docs/protocols is named on each.
var (
	// §1.3 Hikvision DS-2CD3955FWD-IWS ProbeMatches (tnshik/hikwsd namespaces).
	wsdHik3955 = ev(device.SourceWSD, 3702,
		"wsd.message=ProbeMatches", "wsd.via=multicast",
		"wsd.epr=urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d", "wsd.epr_mac=b4:a3:82:0f:d9:2d",
		"wsd.types=dn:NetworkVideoTransmitter tds:Device",
		"wsd.scope.name=HIKVISION DS-2CD3955FWD-IWS", "wsd.scope.hardware=DS-2CD3955FWD-IWS",
		"wsd.scope.location=city/hangzhou", "wsd.scope.types=video_encoder audio_encoder ptz",
		"wsd.scope.profiles=Streaming G", "wsd.metadata_version=10",
		"wsd.xaddrs=http://192.168.0.218/onvif/device_service http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service",
		"wsd.hint=hikvision-ns,onvifext-ns")
	// §1.3 Hikvision DS-2CD2385G1-I ProbeMatches (body only, MAC scope).
	wsdHik2385 = ev(device.SourceWSD, 3702,
		"wsd.message=ProbeMatches", "wsd.via=multicast",
		"wsd.epr=urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385", "wsd.epr_mac=58:50:ed:1f:e3:85",
		"wsd.types=dn:NetworkVideoTransmitter tds:Device",
		"wsd.scope.name=HIKVISION DS-2CD2385G1-I", "wsd.scope.hardware=DS-2CD2385G1-I",
		"wsd.scope.mac=58:50:ed:1f:e3:85", "wsd.scope.location=city/hangzhou",
		"wsd.scope.types=video_encoder", "wsd.scope.profiles=Streaming G T", "wsd.metadata_version=10",
		"wsd.hint=epr-mac-matches-scope")
	// §3.3 SADP ProbeMatch of the same DS-2CD2385G1-I.
	sadpHik2385 = ev(device.SourceSADP, 37020,
		"sadp.types=inquiry", "sadp.device_type=141945", "sadp.device_description=DS-2CD2385G1-I",
		"sadp.device_sn=DS-2CD2385G1-I20200414AAWRE33842150", "sadp.command_port=8000", "sadp.http_port=80",
		"sadp.mac=58:50:ed:1f:e3:85", "sadp.ipv4_address=192.168.124.40", "sadp.ipv4_gateway=192.168.124.1",
		"sadp.software_version=V5.6.2build 190701", "sadp.firmware=V5.6.2", "sadp.firmware_build=190701",
		"sadp.digital_channels=1", "sadp.activated=true")
	// §1.3 Dahua IPC-HFW2228M-I1-V2 Hello.
	wsdDahua2228 = ev(device.SourceWSD, 3702,
		"wsd.message=Hello", "wsd.via=passive", "wsd.epr=uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464",
		"wsd.types=dn:NetworkVideoTransmitter tds:Device", "wsd.scope.location=country/china",
		"wsd.scope.name=Dahua", "wsd.scope.hardware=IPC-HFW2228M-I1-V2", "wsd.scope.profiles=Streaming",
		"wsd.scope.types=Network_Video_Transmitter", "wsd.scope.other=onvif://www.onvif.org/extension/unique_identifier",
		"wsd.metadata_version=1", "wsd.hint=dahua-unique-identifier")
	// §4.1 DHIP client.notifyDevInfo of a Dahua-OEM IPC-HDW1431T1-S4.
	dhipDahua1431 = ev(device.SourceDHIP, 37810,
		"dhip.method=client.notifyDevInfo", "dhip.mac=08:ed:ed:87:42:7a", "dhip.device_class=IPC",
		"dhip.device_type=IPC-HDW1431T1-S4", "dhip.vendor=General", "dhip.manufacturer=General",
		"dhip.serial_no=6C01E93PAG69A7D", "dhip.version=2.800.0000000.13.R",
		"dhip.ipv4_address=192.168.124.17", "dhip.ipv4_gateway=192.168.124.1", "dhip.http_port=80", "dhip.port=37777")
	// §6.1 Hikvision RTSP 401 (realm IP Camera(XXXXX), two spaces in Date).
	rtspHik = ev(device.SourceRTSP, 554, "rtsp.method=OPTIONS", "rtsp.status=401",
		"rtsp.realm=IP Camera(C2875)", "rtsp.auth_scheme=Digest", "rtsp.date=  Thu, May 14 2020 16:45:35 GMT")
	// §6.2 Dahua RTSP (Server: Dahua Rtsp Server, realm Login to <serial>).
	rtspDahua = ev(device.SourceRTSP, 554, "rtsp.method=OPTIONS", "rtsp.status=401",
		"rtsp.server=Dahua Rtsp Server/3.0", "rtsp.realm=Login to 4M0747EPAA1D284", "rtsp.auth_scheme=Digest")
	// §5.1 Hikvision current firmware root page: webserver, BOM, login.asp redirect.
	httpHikRoot = ev(device.SourceHTTP, 80, "http.status=200", "http.proto=HTTP/1.0",
		"http.server=webserver", "http.bom=true", "http.redirect=/doc/page/login.asp?_")
	// §5.2 Dahua root page: upper-case header names, BOM, title WEB SERVICE.
	httpDahuaRoot = ev(device.SourceHTTP, 80, "http.status=200", "http.proto=HTTP/1.1",
		"http.header_names=CONNECTION,CONTENT-LENGTH,CONTENT-TYPE", "http.bom=true", "http.title=WEB SERVICE")
	// §1.3 Axis M2036-LE ProbeMatches.
	wsdAxis = ev(device.SourceWSD, 3702, "wsd.message=ProbeMatches", "wsd.via=multicast",
		"wsd.types=tds:Device dn:NetworkVideoTransmitter", "wsd.scope.name=AXIS M2036-LE",
		"wsd.scope.hardware=M2036-LE", "wsd.scope.profiles=Streaming G M T", "wsd.metadata_version=1",
		"wsd.xaddrs=http://192.168.0.90/onvif/device_service https://192.168.0.90/onvif/device_service")
	// A TCP connect and nothing else.
	tcpOnly = ev(device.SourceTCP, 554, "tcp.state=open")
)

// identifyCase is one row: evidence → expected identity and band.
type identifyCase struct {
	name     string
	evidence []device.Evidence
	vendor   string
	dtype    device.DeviceType
	model    string // "" = not checked
	serial   string // "" = not checked
	brand    string // "" = not checked
	band     band
	conflict bool // the record must show a contradiction
}

func identifyCases() []identifyCase {
	return []identifyCase{
		// Hikvision, one source at a time and together.
		{name: "hik wsd 3955 namespaces", evidence: []device.Evidence{wsdHik3955}, vendor: "hikvision", dtype: device.TypeCamera, model: "DS-2CD3955FWD-IWS", band: bandHigh},
		{name: "hik wsd 2385 mac scope", evidence: []device.Evidence{wsdHik2385}, vendor: "hikvision", dtype: device.TypeCamera, model: "DS-2CD2385G1-I", band: bandHigh},
		{name: "hik sadp 2385", evidence: []device.Evidence{sadpHik2385}, vendor: "hikvision", dtype: device.TypeCamera, model: "DS-2CD2385G1-I", serial: "DS-2CD2385G1-I20200414AAWRE33842150", band: bandHigh},
		{name: "hik sadp+wsd+http+rtsp", evidence: []device.Evidence{sadpHik2385, wsdHik2385, httpHikRoot, rtspHik}, vendor: "hikvision", dtype: device.TypeCamera, model: "DS-2CD2385G1-I", serial: "DS-2CD2385G1-I20200414AAWRE33842150", band: bandHigh},
		{name: "hik sadp generic description", evidence: []device.Evidence{ev(device.SourceSADP, 37020, "sadp.types=inquiry", "sadp.device_description=IPCamera", "sadp.device_sn=DS-2CD2032F-I20150615CCWR523830719", "sadp.firmware=V5.4.5")}, vendor: "hikvision", serial: "DS-2CD2032F-I20150615CCWR523830719", band: bandHigh},
		{name: "hik sadp nvr", evidence: []device.Evidence{ev(device.SourceSADP, 37020, "sadp.types=inquiry", "sadp.device_description=DS-7608NI-I2/8P", "sadp.device_sn=DS-7608NI-I2/8P0820190316CCRRC12345678WCVU", "sadp.digital_channels=8")}, vendor: "hikvision", dtype: device.TypeNVR, model: "DS-7608NI-I2/8P", band: bandHigh},
		{name: "hik sadp dvr", evidence: []device.Evidence{ev(device.SourceSADP, 37020, "sadp.types=inquiry", "sadp.device_description=DS-7204HQHI-K1", "sadp.analog_channels=4")}, vendor: "hikvision", dtype: device.TypeDVR, model: "DS-7204HQHI-K1", band: bandHigh},
		{name: "hik http root current fw", evidence: []device.Evidence{httpHikRoot}, vendor: "hikvision", band: bandHigh},
		{name: "hik http app-webs", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.proto=HTTP/1.0", "http.server=App-webs/")}, vendor: "hikvision", band: bandHigh},
		{name: "hik http hikvision-webs 302", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=302", "http.server=Hikvision-Webs", "http.location=http://198.18.10.21:80/index.asp")}, vendor: "hikvision", band: bandHigh},
		{name: "hik nvr http dnvrs-webs 401 hex realm", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.server=DNVRS-Webs", "http.auth_scheme=Digest", "http.realm=fe12f37bd0000bccbbd35f1a")}, vendor: "hikvision", dtype: device.TypeNVR, band: bandHigh, conflict: true}, // the hex realm says camera, the NVR server header wins
		{name: "hik dvr http dvrdvs-webs", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=DVRDVS-Webs")}, vendor: "hikvision", band: bandHigh},
		{name: "hik rtsp realm and date", evidence: []device.Evidence{rtspHik}, vendor: "hikvision", band: bandHigh},
		{name: "hik http+rtsp", evidence: []device.Evidence{httpHikRoot, rtspHik}, vendor: "hikvision", dtype: device.TypeCamera, band: bandHigh},
		{name: "hik mdns _CGI", evidence: []device.Evidence{ev(device.SourceMDNS, 5353, "mdns.service=_CGI._tcp", "mdns.instance=HIKVISION DS-2CD2722FWD-IZS - 733050075", "mdns.host=DS-2CD2722FWD-IZS20170321BBWR733050075.local")}, vendor: "hikvision", model: "DS-2CD2722FWD-IZS", serial: "DS-2CD2722FWD-IZS20170321BBWR733050075", band: bandHigh},
		{name: "hik ssdp manufacturer alone", evidence: []device.Evidence{ev(device.SourceSSDP, 1900, "ssdp.manufacturer=Hikvision")}, vendor: "hikvision", band: bandMedium},

		// Dahua and its relabels.
		{name: "dahua wsd hello", evidence: []device.Evidence{wsdDahua2228}, vendor: "dahua", dtype: device.TypeCamera, model: "IPC-HFW2228M-I1-V2", band: bandHigh},
		{name: "amcrest wsd probematch", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.message=ProbeMatches", "wsd.epr=uuid:1b77a2db-c51d-44b8-bf2d-418760240ab6", "wsd.types=dn:NetworkVideoTransmitter tds:Device", "wsd.scope.location=country/china", "wsd.scope.name=Amcrest", "wsd.scope.hardware=IP2M-841B", "wsd.scope.profiles=Streaming", "wsd.scope.types=Network_Video_Transmitter", "wsd.scope.other=onvif://www.onvif.org/extension/unique_identifier", "wsd.metadata_version=1", "wsd.hint=dahua-unique-identifier")}, vendor: "dahua", dtype: device.TypeCamera, model: "IP2M-841B", band: bandMedium},
		{name: "cpplus wsd", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.message=ProbeMatches", "wsd.scope.location=country/India", "wsd.scope.name=CPPLUS", "wsd.scope.hardware=CP-UNC-DA21PL3-Y", "wsd.scope.types=Network_Video_Transmitter", "wsd.scope.other=onvif://www.onvif.org/extension/unique_identifier/1", "wsd.scope.profiles=T", "wsd.hint=dahua-unique-identifier")}, vendor: "dahua", model: "CP-UNC-DA21PL3-Y", band: bandMedium},
		{name: "dahua dhip neutral fw", evidence: []device.Evidence{dhipDahua1431}, vendor: "dahua", dtype: device.TypeCamera, model: "IPC-HDW1431T1-S4", serial: "6C01E93PAG69A7D", band: bandHigh},
		{name: "amcrest dhip oem vendor", evidence: []device.Evidence{ev(device.SourceDHIP, 37810, "dhip.method=client.notifyDevInfo", "dhip.device_class=IPC", "dhip.device_type=IP2M-841B", "dhip.vendor=Amcrest", "dhip.serial_no=AMC000N49SSV0M2U46")}, vendor: "dahua", dtype: device.TypeCamera, brand: "Amcrest", band: bandHigh},
		{name: "dahua dhip nvr", evidence: []device.Evidence{ev(device.SourceDHIP, 37810, "dhip.method=client.notifyDevInfo", "dhip.device_class=NVR", "dhip.device_type=DH-NVR608H-128-4KS3/I", "dhip.vendor=Dahua", "dhip.serial_no=AJ0C56APAZ4145B")}, vendor: "dahua", dtype: device.TypeNVR, serial: "AJ0C56APAZ4145B", band: bandHigh},
		{name: "dahua dhip xvr", evidence: []device.Evidence{ev(device.SourceDHIP, 37810, "dhip.method=client.notifyDevInfo", "dhip.device_class=XVR", "dhip.device_type=XVR5104HS-X")}, vendor: "dahua", dtype: device.TypeDVR, band: bandHigh},
		{name: "dahua dhip vto", evidence: []device.Evidence{ev(device.SourceDHIP, 37810, "dhip.method=client.notifyDevInfo", "dhip.device_class=VTO", "dhip.device_type=VTO2111D-WP")}, vendor: "dahua", dtype: device.TypeIntercom, band: bandHigh},
		{name: "dahua http root", evidence: []device.Evidence{httpDahuaRoot}, vendor: "dahua", band: bandHigh},
		{name: "dahua http title without bom", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.title=WEB SERVICE")}, vendor: "dahua", band: bandMedium},
		{name: "dahua http realm login-to", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.auth_scheme=Digest", "http.realm=Login to 4X7C5A1ZAG21L3F")}, vendor: "dahua", serial: "4X7C5A1ZAG21L3F", band: bandHigh},
		{name: "lorex nvr http realm (recog)", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.auth_scheme=Digest", "http.realm=Login to ND011811000000")}, vendor: "dahua", serial: "ND011811000000", band: bandHigh},
		{name: "dahua old ipc device_cgi", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.auth_scheme=Basic", "http.realm=Device_CGI")}, vendor: "dahua", band: bandMedium},
		{name: "dahua rtsp", evidence: []device.Evidence{rtspDahua}, vendor: "dahua", serial: "4M0747EPAA1D284", band: bandHigh},
		// Captures of three different Dahua units: the maker agrees, model and serial conflict.
		{name: "dahua dhip+wsd+http+rtsp of different units", evidence: []device.Evidence{dhipDahua1431, wsdDahua2228, httpDahuaRoot, rtspDahua}, vendor: "dahua", dtype: device.TypeCamera, model: "IPC-HDW1431T1-S4", serial: "6C01E93PAG69A7D", band: bandHigh, conflict: true},

		// Other makers.
		{name: "axis wsd", evidence: []device.Evidence{wsdAxis}, vendor: "axis", model: "M2036-LE", band: bandHigh},
		{name: "axis http title + rtsp public", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.title=AXIS"), ev(device.SourceRTSP, 554, "rtsp.status=200", "rtsp.public=DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN")}, vendor: "axis", band: bandHigh},
		{name: "axis mdns", evidence: []device.Evidence{ev(device.SourceMDNS, 5353, "mdns.service=_axis-video._tcp", "mdns.instance=AXIS M3106-L Mk II - ACCC8E4A2C1F")}, vendor: "axis", model: "M3106-L Mk II", band: bandHigh},
		{name: "axis ssdp", evidence: []device.Evidence{ev(device.SourceSSDP, 1900, "ssdp.server=Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22", "ssdp.model_name=AXIS M3106-L Mk II")}, vendor: "axis", band: bandHigh},
		{name: "hanwha rtsp ipolis", evidence: []device.Evidence{ev(device.SourceRTSP, 554, "rtsp.status=401", "rtsp.realm=iPOLiS")}, vendor: "hanwha", band: bandHigh},
		{name: "xiongmai http+rtsp", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=uc-httpd 1.0.0", "http.title=NETSurveillance WEB"), ev(device.SourceRTSP, 554, "rtsp.status=200", "rtsp.server=H264DVR 1.0")}, vendor: "xiongmai", dtype: device.TypeCamera, band: bandHigh, conflict: true}, // H264DVR says dvr
		// SYNTH (testdata/xmeye): the XMEye reply alone names the maker and serial, not the type.
		{name: "xiongmai xmeye", evidence: []device.Evidence{ev(device.SourceXMEye, 34569, "xmeye.msg_id=1531", "xmeye.serial=8d3e61b0f4a29c57", "xmeye.device_type=0", "xmeye.firmware=V4.02.R12.A6420029.12201.142300.00000")}, vendor: "xiongmai", serial: "8d3e61b0f4a29c57", band: bandHigh},
		{name: "xiongmai xmeye class name + http", evidence: []device.Evidence{ev(device.SourceXMEye, 34569, "xmeye.msg_id=1531", "xmeye.device_type=IPC"), ev(device.SourceHTTP, 80, "http.status=200", "http.server=uc-httpd 1.0.0")}, vendor: "xiongmai", dtype: device.TypeCamera, band: bandHigh},
		{name: "avigilon rtsp", evidence: []device.Evidence{ev(device.SourceRTSP, 554, "rtsp.status=401", "rtsp.server=AvigilonOnvifNvt/4.10")}, vendor: "avigilon", band: bandHigh},
		{name: "geovision http", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=GeoHttpServer")}, vendor: "geovision", band: bandHigh},
		{name: "bosch http realm", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.realm=Use 'live' as User Name and your password")}, vendor: "bosch", band: bandHigh},
		// SYNTH: no verbatim Uniview reply exists (docs/protocols/wsd-onvif.md §1.3); the ONVIF name scope.
		{name: "uniview wsd name UNV", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.types=dn:NetworkVideoTransmitter tds:Device", "wsd.scope.name=UNV", "wsd.scope.hardware=IPC2122LB-SF28-A", "wsd.scope.types=video_encoder")}, vendor: "uniview", dtype: device.TypeCamera, model: "IPC2122LB-SF28-A", brand: "UNV", band: bandMedium},
		{name: "uniview name on a computer is no camera", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.types=wsdp:Device pub:Computer", "wsd.scope.name=UNV")}, dtype: device.TypeOther, band: bandLow},
		{name: "arecont rtsp realm", evidence: []device.Evidence{ev(device.SourceRTSP, 554, "rtsp.status=401", "rtsp.auth_scheme=Basic", "rtsp.realm=Arecont Vision")}, vendor: "arecont", band: bandHigh},

		// Weak evidence: never a high verdict.
		{name: "weak: generic Server Webs", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=Webs")}, vendor: "hikvision", band: bandLow},
		{name: "weak: vivotek Network Camera", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=Network Camera")}, vendor: "vivotek", band: bandLow},
		{name: "weak: open port only", evidence: []device.Evidence{tcpOnly}, band: bandNone},
		{name: "weak: oui only", evidence: []device.Evidence{ev(device.SourceOUI, 0, "mac.vendor=Hangzhou Hikvision Digital Technology Co.,Ltd.")}, vendor: "hikvision", band: bandLow}, // a hint, never a stated verdict (vendors/rules/oui.yaml)
		{name: "weak: hex realm alone", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.auth_scheme=Digest", "http.realm=0123456789abcdef01234567")}, vendor: "hikvision", band: bandMedium},
		{name: "generic gsoap nvt, no maker", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.types=dn:NetworkVideoTransmitter", "wsd.scope.name=PREDATOR", "wsd.scope.hardware=HD_PREDATOR", "wsd.scope.types=video_encoder audio_encoder ptz")}, dtype: device.TypeCamera, band: bandMedium},
		{name: "hisilicon white label dvr", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=Cross Web Server", "http.title=DVR Components Download")}, dtype: device.TypeDVR, band: bandMedium},

		// Not cameras.
		{name: "windows host wsd", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.types=wsdp:Device pub:Computer")}, dtype: device.TypeOther, band: bandLow},
		{name: "printer mdns", evidence: []device.Evidence{ev(device.SourceMDNS, 5353, "mdns.service=_ipp._tcp", "mdns.types=_ipp._tcp,_printer._tcp")}, dtype: device.TypeOther, band: bandLow},
		{name: "nginx default page", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.server=nginx/1.24.0", "http.title=Welcome to nginx!")}, dtype: device.TypeOther, band: bandLow},

		// Contradictions: the protocol evidence wins and the record shows the loser.
		{name: "conflict: axis title vs hikvision sadp", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=200", "http.title=AXIS"), sadpHik2385}, vendor: "hikvision", dtype: device.TypeCamera, model: "DS-2CD2385G1-I", band: bandMedium, conflict: true},
		// Equal strength on both sides: the deterministic tie-break picks one, and the
		// confidence falls below policy.ConfidentAt, so the finding says "possible".
		{name: "conflict: dahua realm vs hikvision realm", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.status=401", "http.realm=Login to 4X7C5A1ZAG21L3F"), rtspHik}, vendor: "dahua", band: bandLow, conflict: true},
		{name: "conflict: hikvision wsd name vs dahua dhip", evidence: []device.Evidence{ev(device.SourceWSD, 3702, "wsd.scope.name=HIKVISION DS-2CD2032F-I"), dhipDahua1431}, vendor: "dahua", model: "IPC-HDW1431T1-S4", band: bandLow, conflict: true},
		{name: "conflict: generic webs vs dahua dhip", evidence: []device.Evidence{ev(device.SourceHTTP, 80, "http.server=Webs"), dhipDahua1431}, vendor: "dahua", dtype: device.TypeCamera, band: bandMedium, conflict: true},
	}
}

// TestIdentify_table runs the evidence sets of docs/protocols (and weak or
// contradictory ones) through the embedded rules and fusion.
func TestIdentify_table(t *testing.T) {
	e := newEngine(t)
	cases := identifyCases()
	if len(cases) < 40 {
		t.Fatalf("%d cases; issue 7 asks for at least 40", len(cases))
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			id := e.Identify(&device.Host{Addr: netip.MustParseAddr("198.18.10.21"), Evidence: tt.evidence})
			got := fmt.Sprintf("vendor=%q type=%q model=%q serial=%q brand=%q band=%s conf=%.3f conflicts=%d",
				id.Vendor, id.DeviceType, id.Model, id.Serial, id.Brand, bandOf(id), id.Confidence, len(id.Conflicts))
			if id.Vendor != tt.vendor {
				t.Errorf("vendor: %s", got)
			}
			if tt.dtype != "" && id.DeviceType != tt.dtype {
				t.Errorf("device type want %q: %s", tt.dtype, got)
			}
			if tt.model != "" && id.Model != tt.model {
				t.Errorf("model want %q: %s", tt.model, got)
			}
			if tt.serial != "" && id.Serial != tt.serial {
				t.Errorf("serial want %q: %s", tt.serial, got)
			}
			if tt.brand != "" && id.Brand != tt.brand {
				t.Errorf("brand want %q: %s", tt.brand, got)
			}
			if b := bandOf(id); b != tt.band {
				t.Errorf("band want %s: %s", tt.band, got)
			}
			if tt.conflict != (len(id.Conflicts) > 0) {
				t.Errorf("conflict want %v: %s %+v", tt.conflict, got, id.Conflicts)
			}
			// Every conclusion names a rule and a piece of evidence.
			for _, c := range id.Conclusions {
				if c.Rule == "" || c.Evidence < 0 || c.Evidence >= len(tt.evidence) {
					t.Errorf("conclusion without rule or evidence: %+v", c)
				}
			}
			// Weak evidence alone never makes a covered maker's verdict high.
			if tt.band == bandLow && id.Confidence >= 0.5 {
				t.Errorf("weak evidence reached %.2f", id.Confidence)
			}
		})
	}
}
