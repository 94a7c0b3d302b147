// interop.js: the npm `onvif` client (pinned in package.json) against the
// camsweep lab's emulated cameras. e2e/onvifjs_test.go runs it inside the
// lab's jump namespace with a JSON request on stdin:
//
//   {"discover": true, "discoverMs": 3000,
//    "targets": [{"name": "...", "hostname": "...", "port": 80,
//                 "username": "admin", "password": "..."}]}
//
// and reads one JSON object on stdout: the WS-Discovery probe matches and,
// per target, getSystemDateAndTime and getDeviceInformation results. The
// password never appears in the output. Cams are built with autoconnect off:
// connect() would call GetCapabilities/GetServices/GetProfiles, which the
// emulators do not implement; only the device-service calls are exercised.
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

function call(cam, method) {
	return new Promise((resolve) => {
		cam[method]((err, data) => {
			if (err) {
				resolve({ error: String(err && err.message || err) });
			} else {
				resolve({ data });
			}
		});
	});
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
