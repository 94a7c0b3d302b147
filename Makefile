# camsweep — build, test and demo. `make demo` and `make test` do all the
# set-up a fresh Linux machine needs (Go 1.26 and, for the lab, root).

GO        ?= go
BIN       := bin/camsweep
LAB_BIN   := bin/camsweep-lab
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 10s
STATICCHECK_VERSION := v0.8.2
# Two cores here: keep package-level parallelism modest so the lab tests and
# the race detector do not starve each other.
TESTFLAGS ?= -race -count=1 -p 2 -timeout 12m

.PHONY: all build build-lab test unit lint fuzz demo bench bench-office bench-routed bench-scale bench-corpus bench-pcap bench-micro corpus generate deps clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/camsweep

# build-lab builds the lab's own command (cmd/camsweep-lab): the simulated
# network and its device emulators stay out of the shipped scanner.
build-lab:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(LAB_BIN) ./cmd/camsweep-lab

# deps installs what the tests need on a fresh machine: Go modules; as root,
# the Debian packages of the lab tests (iproute2 for the namespaces,
# avahi-daemon as a real mDNS responder, Node.js and npm for the onvif
# interop client, rsyslog and its GnuTLS driver as a real syslog receiver,
# systemd for systemd-analyze, which rates the unit's sandbox)
# through scripts/apt-install, which never lets a daemon start in the root
# namespace; the pinned npm onvif client (npm ci into
# e2e/onvifjs/node_modules); and the pinned npm @elastic/ecs 9.4.0, whose
# field list the ECS writer's test reads (npm ci into
# report/testdata/ecs/node_modules). With CI set, a failed install fails;
# elsewhere the tests that need what is missing say so and skip.
deps:
	$(GO) mod download
	@if [ "$$(id -u)" = 0 ]; then scripts/apt-install ip:iproute2 avahi-daemon:avahi-daemon node:nodejs npm:npm rsyslogd:rsyslog '/usr/lib/*/rsyslog/lmnsd_gtls.so:rsyslog-gnutls' systemd-analyze:systemd '/usr/lib/postgresql/*/bin/initdb:postgresql' tcpdump:tcpdump snmpd:snmpd || [ -z "$$CI" ]; \
	else scripts/apt-install ip:iproute2 avahi-daemon:avahi-daemon node:nodejs npm:npm rsyslogd:rsyslog '/usr/lib/*/rsyslog/lmnsd_gtls.so:rsyslog-gnutls' systemd-analyze:systemd '/usr/lib/postgresql/*/bin/initdb:postgresql' tcpdump:tcpdump snmpd:snmpd 2>/dev/null || echo "note: not root: the lab tests need root, iproute2, avahi-daemon, nodejs, npm, rsyslog, rsyslog-gnutls, postgresql (the PostgreSQL history tests) tcpdump (the passive capture test) and snmpd (the SNMP switch tests); the unit's sandbox test needs systemd (systemd-analyze)"; fi
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix e2e/onvifjs --no-audit --no-fund --loglevel=error >/dev/null || \
			{ if [ -n "$$CI" ]; then exit 1; fi; echo "note: npm ci in e2e/onvifjs failed; the onvif interop test will skip"; }; \
		npm ci --prefix report/testdata/ecs --no-audit --no-fund --loglevel=error >/dev/null || \
			{ if [ -n "$$CI" ]; then exit 1; fi; echo "note: npm ci in report/testdata/ecs failed; the ECS field list test will skip"; }; \
	fi

# test runs the unit tests with the race detector and the lab end-to-end
# tests (root + iproute2; with CI set they fail instead of skipping).
test: deps
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) ./...

unit:
	$(GO) test -race -short ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# fuzz runs every Fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# demo builds camsweep and camsweep-lab, brings the simulated lab up, scans both segments from
# the jump namespace with the lab's zones, prints the table and takes the lab
# down again (also when the scan fails).
LAB_PREFIX := csw-
LAB_STATE  := /run/camsweep-lab/$(LAB_PREFIX)
demo: build build-lab
	@if [ "$$(uname -s)" != Linux ]; then echo "make demo needs Linux (network namespaces)"; exit 1; fi
	@if [ "$$(id -u)" != 0 ]; then echo "make demo needs root: the lab builds network namespaces (try: sudo make demo)"; exit 1; fi
	@$(MAKE) --no-print-directory deps
	@command -v ip >/dev/null 2>&1 || { echo "make demo needs iproute2: apt-get install iproute2"; exit 1; }
	@set -e; trap '$(LAB_BIN) down >/dev/null 2>&1 || true' EXIT INT TERM; \
	$(LAB_BIN) up; \
	echo; echo "== camsweep scan 198.18.10.0/24 198.18.20.0/24 (from the lab's jump host)"; echo; \
	rc=0; ip netns exec $(LAB_PREFIX)jump $(BIN) scan 198.18.10.0/24 198.18.20.0/24 \
		--zones $(LAB_STATE)/zones.yaml --format table || rc=$$?; \
	echo; echo "camsweep exited $$rc (3 = findings at or above --fail-on high)"; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi

# bench brings the benchmark lab (bench/lab.yaml, prefix cswb-) up, runs
# camsweep and nmap in alternation inside its jump namespace, writes
# bench/results/LATEST.md and takes the lab down (see bench/README.md).
# One pair takes about 17 minutes, nearly all of it nmap's -sV waiting out
# its probes on ports it cannot match; BENCH_PAIRS=3 for the issue's three
# pairs (about 50 minutes). Needs root; installs nmap from Debian.
BENCH_PAIRS ?= 1
BENCH_DIR   := bin/bench

# bench-bins is the start of every lab benchmark: root and Linux checked,
# the Go modules installed, and the benchmark's own copies of camsweep,
# camsweep-lab and the harness built under $(BENCH_DIR), so that a
# concurrent `make build` cannot swap a binary mid-run.
define bench-bins
@if [ "$$(uname -s)" != Linux ] || [ "$$(id -u)" != 0 ]; then echo "make $@ needs Linux and root (network namespaces)"; exit 1; fi
@$(MAKE) --no-print-directory deps
@mkdir -p $(BENCH_DIR)
CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BENCH_DIR)/camsweep ./cmd/camsweep
CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BENCH_DIR)/camsweep-lab ./cmd/camsweep-lab
$(GO) build -o $(BENCH_DIR)/bench ./bench
endef
bench:
	$(bench-bins)
	@scripts/apt-install nmap:nmap
	$(BENCH_DIR)/bench -spec bench/lab.yaml -bin $(BENCH_DIR)/camsweep -lab-bin $(BENCH_DIR)/camsweep-lab -pairs $(BENCH_PAIRS) -out bench/results/LATEST.md

# bench-scale scans the sparse /16 scale lab once (65,534 addresses, 300
# live, on the jump host's segment) and writes bench/results/SCALE.md: wall
# time beside the bound (addresses × probes) / rate + wait, and peak RSS.
bench-scale:
	$(bench-bins)
	$(BENCH_DIR)/bench -scale -bin $(BENCH_DIR)/camsweep -lab-bin $(BENCH_DIR)/camsweep-lab

# bench-office and bench-routed are issue 16's labs (bench/routed.go): 250
# hosts listening on no port on an on-link /22 (camsweep x3 against nmap's
# camera command, about 1 minute; bench/results/OFFICE.md) or on a sparse
# routed /16 (camsweep x3 against nmap -sn x1, about 32 minutes, nmap -sn
# alone some 18; bench/results/ROUTED.md). Run them alone: the /16 fills
# the kernel's neighbour table that every namespace shares.
bench-office bench-routed:
	$(bench-bins)
	@scripts/apt-install nmap:nmap
	$(BENCH_DIR)/bench -quiet $(@:bench-%=%) -bin $(BENCH_DIR)/camsweep -lab-bin $(BENCH_DIR)/camsweep-lab

# corpus prints camsweep's score on the corpus of real replies
# (testdata/real): every recorded device replayed through the probers and
# parsers, maker/brand/model/firmware/serial/type against what it states.
corpus:
	CAMSWEEP_CORPUS_TABLE=1 $(GO) test -count=1 -run '^TestCorpus$$' ./corpus/

# bench-corpus replays the corpus devices the lab can serve over the network
# and scans them with camsweep and with nmap's camera command in one run;
# writes bench/results/CORPUS.md. Needs root; installs nmap from Debian.
bench-corpus:
	$(bench-bins)
	@scripts/apt-install nmap:nmap
	$(BENCH_DIR)/bench -corpus testdata/real -bin $(BENCH_DIR)/camsweep -lab-bin $(BENCH_DIR)/camsweep-lab

# bench-pcap captures 1 GB of a CCTV lab with tcpdump on its recorder's
# port (8 cameras streaming RTSP/RTP to the recorder, every device
# announcing itself), reads it with camsweep pcap and with tshark on the
# same protocols in one run and writes bench/results/PCAP.md (target:
# 5x tshark's throughput, peak RSS under 200 MB); the capture is deleted
# afterwards. About 2 minutes (lab up, 30 s of capture, tshark 17 s).
# Needs root; installs tshark from Debian.
# BENCH_PCAP_PREFIX sets the lab's namespace prefix (default cswbp-).
bench-pcap:
	$(bench-bins)
	@scripts/apt-install tshark:tshark
	$(BENCH_DIR)/bench -pcap -bin $(BENCH_DIR)/camsweep -lab-bin $(BENCH_DIR)/camsweep-lab $(if $(BENCH_PCAP_PREFIX),-pcap-prefix $(BENCH_PCAP_PREFIX))

# bench-micro runs the Go micro-benchmarks (parsers, rules, encoders).
bench-micro:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

generate:
	$(GO) generate ./...

clean:
	rm -rf bin
