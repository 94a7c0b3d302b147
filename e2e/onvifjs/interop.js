// interop.js: the npm `onvif` client (pinned in package.json) against the
// camsweep lab's emulated cameras. e2e/onvifjs_test.go runs it inside the
// lab's jump namespace with a JSON request on stdin:
//
//   {"discover": true, "discoverMs": 3000,
//    "targets": [{"name": "...", "hostname": "...", "port": 80,
//                 "username": "admin", "password": "..."}]}
//
// and reads one JSON object on stdout: the WS-Discovery probe matches and,
// per target, the results of getSystemDateAndTime, getDeviceInformation,
// getServices (without capabilities), getCapabilities, getHostname,
// getScopes and getNetworkInterfaces: the device-service calls the
// emulators implement, as the client parses them (getServices and
// getCapabilities fill cam.uri, which getNetworkInterfaces then posts to).
// The password never appears in the output. Cams are built with
// autoconnect off: connect() would go on to the media service
// (GetProfiles), which the emulators do not implement.
'use strict';

const { Cam, Discovery } = require('onvif');

function readStdin() {
	return new Promise((resolve, reject) => {
		let buf = '';
		process.stdin.setEncoding('utf8');
		process.stdin.on('data', (d) => { buf += d; });
		process.stdin.on('end', () => resolve(buf));
		process.stdin.on('error', reject);
	});
}

function call(cam, method, ...args) {
	return new Promise((resolve) => {
		cam[method](...args, (err, data) => {
			if (err) {
				resolve({ error: String(err && err.message || err) });
			} else {
				resolve({ data });
			}
		});
	});
}

function asList(x) {
	if (x === undefined || x === null) {
		return [];
	}
	return Array.isArray(x) ? x : [x];
}

async function query(t) {
	const cam = new Cam({
		hostname: t.hostname,
		port: t.port || 80,
		username: t.username || undefined,
		password: t.password || undefined,
		timeout: 10000,
		autoconnect: false,
	});
	cam.on('error', () => {}); // errors come back through the callbacks
	const out = { name: t.name, hostname: t.hostname };
	const dt = await call(cam, 'getSystemDateAndTime');
	if (dt.error) {
		out.timeError = dt.error;
	} else {
		out.time = dt.data.toISOString();
	}
	const info = await call(cam, 'getDeviceInformation');
	if (info.error) {
		out.infoError = info.error;
	} else {
		out.info = info.data;
	}
	const services = await call(cam, 'getServices', false);
	if (services.error) {
		out.servicesError = services.error;
	} else {
		out.services = asList(services.data).map((s) => ({ namespace: String(s.namespace), xaddr: String(s.XAddr) }));
	}
	const caps = await call(cam, 'getCapabilities');
	if (caps.error) {
		out.capabilitiesError = caps.error;
	}
	// Both fill cam.uri: service name to the path the client will post to.
	out.uri = {};
	for (const [k, v] of Object.entries(cam.uri || {})) {
		out.uri[k] = v && v.href ? String(v.href) : String(v);
	}
	const host = await call(cam, 'getHostname');
	if (host.error) {
		out.hostNameError = host.error;
	} else {
		out.hostName = String(host.data && host.data.name);
	}
	const scopes = await call(cam, 'getScopes');
	if (scopes.error) {
		out.scopesError = scopes.error;
	} else {
		out.scopes = asList(scopes.data).map((s) => String(s.scopeItem));
	}
	const nis = await call(cam, 'getNetworkInterfaces');
	if (nis.error) {
		out.interfacesError = nis.error;
	} else {
		out.interfaces = asList(nis.data).map((n) => ({
			name: String(n.info && n.info.name),
			hwAddress: String(n.info && n.info.hwAddress),
		}));
	}
	return out;
}

function discover(ms) {
	return new Promise((resolve) => {
		const found = [];
		const errors = [];
		const onDevice = (m, rinfo) => {
			const pm = m.probeMatches.probeMatch;
			found.push({
				from: rinfo.address,
				urn: pm.endpointReference.address,
				types: String(pm.types || ''),
				scopes: String(pm.scopes || ''),
				xaddrs: String(pm.XAddrs || '').split(' ').filter(Boolean),
			});
		};
		const onError = (e) => { errors.push(String(e && e.message || e)); };
		Discovery.on('device', onDevice);
		Discovery.on('error', onError);
		// resolve:false: report the probe matches instead of building Cams
		// that would autoconnect.
		Discovery.probe({ timeout: ms, resolve: false }, () => {
			Discovery.removeListener('device', onDevice);
			Discovery.removeListener('error', onError);
			resolve({ found, errors });
		});
	});
}

async function main() {
	const req = JSON.parse(await readStdin());
	const res = { targets: [] };
	for (const t of req.targets || []) {
		res.targets.push(await query(t));
	}
	if (req.discover) {
		res.discovery = await discover(req.discoverMs || 3000);
	}
	process.stdout.write(JSON.stringify(res) + '\n');
}

main().catch((e) => {
	process.stderr.write(String(e && e.stack || e) + '\n');
	process.exit(1);
});
