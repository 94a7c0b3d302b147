// Command gen builds the embedded OUI table (table.bin.gz) and its SOURCE
// file from the npm package oui-data, a full copy of the IEEE MA-L, MA-M
// and MA-S registries (BSD-2-Clause; see ../LICENSE.oui-data).
//
//	go generate ./vendors/oui              # npm pack oui-data@<version> into a temp dir
//	go run ./vendors/oui/gen -tgz oui-data-2.1.9.tgz -date 2026-08-26 …  # offline
//
// index.json maps 6, 7 or 9 hex digits to "Org\naddress…\nCountry". Org
// names are HTML-unescaped (14 carry entities) and kept in UTF-8; rows of
// "IEEE Registration Authority" (parents of MA-M/MA-S blocks) and
// "Private" are left out: they name no maker.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/camsweep/camsweep/vendors/oui"
)

func main() {
	version := flag.String("version", "2.1.9", "oui-data version to fetch with npm")
	tgz := flag.String("tgz", "", "use this oui-data .tgz instead of running npm pack")
	date := flag.String("date", "", "data date YYYY-MM-DD (default: the npm publish date of -version)")
	out := flag.String("o", "table.bin.gz", "output table")
	source := flag.String("source", "SOURCE", "output provenance file")
	flag.Parse()
	if err := run(*version, *tgz, *date, *out, *source); err != nil {
		fmt.Fprintln(os.Stderr, "oui/gen:", err)
		os.Exit(1)
	}
}

func run(version, tgz, date, out, source string) error {
	if tgz == "" {
		dir, err := os.MkdirTemp("", "oui-gen")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "pack", "--silent", "oui-data@"+version)
		cmd.Dir, cmd.Stderr = dir, os.Stderr
		name, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("npm pack oui-data@%s: %w", version, err)
		}
		tgz = filepath.Join(dir, strings.TrimSpace(string(name)))
	}
	if date == "" {
		d, err := publishDate(version)
		if err != nil {
			return err
		}
		date = d
	}
	index, err := readIndex(tgz)
	if err != nil {
		return err
	}
	var raw map[string]string
	if err := json.Unmarshal(index, &raw); err != nil {
		return fmt.Errorf("index.json: %w", err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := oui.NewBuilder()
	var kept, skipped int
	for _, k := range keys {
		lines := strings.Split(strings.ReplaceAll(raw[k], "\r", ""), "\n")
		org := html.UnescapeString(strings.TrimSpace(lines[0]))
		if org == "" || org == "IEEE Registration Authority" || org == "Private" {
			skipped++
			continue
		}
		country := ""
		if len(lines) > 1 {
			country = strings.TrimSpace(lines[len(lines)-1])
		}
		if _, err := b.Add(k, org, country); err != nil {
			return fmt.Errorf("index.json key %q: %w", k, err)
		}
		kept++
	}
	if kept < 35000 {
		return fmt.Errorf("only %d entries: not a full registry", kept)
	}
	t := b.Table()
	bin, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(bin)
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, gz.Bytes(), 0o644); err != nil {
		return err
	}
	src := fmt.Sprintf(`# Provenance of table.bin.gz (written by gen/, do not edit)
source: npm package oui-data %s (index.json), a copy of the IEEE MA-L, MA-M and MA-S registries
date: %s
licence: BSD-2-Clause (oui-data, © silverwind; see LICENSE.oui-data); registry data published by the IEEE Registration Authority
entries: %d (left out: %d "IEEE Registration Authority" parent blocks and "Private" rows)
`, version, date, kept, skipped)
	return os.WriteFile(source, []byte(src), 0o644)
}

func publishDate(version string) (string, error) {
	outb, err := exec.Command("npm", "view", "oui-data", "time", "--json").Output()
	if err != nil {
		return "", fmt.Errorf("npm view oui-data time (or pass -date): %w", err)
	}
	var times map[string]string
	if err := json.Unmarshal(outb, &times); err != nil {
		return "", fmt.Errorf("npm view oui-data time: %w", err)
	}
	ts, ok := times[version]
	if !ok {
		return "", fmt.Errorf("npm has no publish time for oui-data %s", version)
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return "", fmt.Errorf("publish time %q: %w", ts, err)
	}
	return t.UTC().Format(time.DateOnly), nil
}

func readIndex(tgz string) ([]byte, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New(tgz + ": no package/index.json")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tgz, err)
		}
		if h.Name == "package/index.json" {
			return io.ReadAll(io.LimitReader(tr, 64<<20))
		}
	}
}
