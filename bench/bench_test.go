package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLabSpec_upToDate(t *testing.T) {
	want, err := os.ReadFile("lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "lab.yaml")
	if err := writeSpecFile(p); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != string(want) {
		t.Error("bench/lab.yaml is stale: go run ./bench -write-spec bench/lab.yaml")
	}
}

func TestPeakPerSecond(t *testing.T) {
	ts := []int64{0, 100, 900, 999, 1000, 1500, 5000, 5001}
	for _, tc := range []struct {
		from, to int64
		want     int
	}{
		{0, 10000, 4}, {1000, 10000, 2}, {4000, 6000, 2}, {6000, 7000, 0},
	} {
		if got := peakPerSecond(ts, tc.from, tc.to); got != tc.want {
			t.Errorf("peakPerSecond(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestShownArgs: a report names the bench's binaries relative to the
// working directory, never by this machine's absolute path.
func TestShownArgs(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	got := shownArgs([]string{filepath.Join(wd, "bin", "camsweep"), "scan", "/run/x/zones.yaml", "198.18.0.0/24"})
	want := []string{filepath.Join("bin", "camsweep"), "scan", "/run/x/zones.yaml", "198.18.0.0/24"}
	if !slices.Equal(got, want) {
		t.Errorf("shownArgs = %q, want %q", got, want)
	}
}
