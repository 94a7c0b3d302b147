package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsweep/camsweep/lab"
)

// ownPrefix derives the prefix of a test's own lab from the e2e prefix and
// a one-letter tag (cswe- and "c" give cswec-), so that CAMSWEEP_E2E_PREFIX
// keeps two concurrent runs apart: lab.Down of one would otherwise end the
// other's processes in its namespaces.
func ownPrefix(tag string) string {
	base := strings.TrimSuffix(prefix, "-")
	if len(base) > 5 {
		base = base[:5]
	}
	return base + tag + "-"
}

// ownLab returns the options of a test's own lab under prefix (the lab
// binary, a state directory of the test's) and takes that lab down when the
// test ends, also when it fails.
func ownLab(t *testing.T, prefix string) lab.Options {
	t.Helper()
	o := lab.Options{Binary: labBinary, StateDir: filepath.Join(t.TempDir(), "lab")}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := lab.Down(ctx, prefix, o); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return o
}

// upLab brings s up within d, or fails the test.
func upLab(t *testing.T, s *lab.Spec, o lab.Options, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := lab.Up(ctx, s, o); err != nil {
		t.Fatal(err)
	}
}
