package sweep

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/camsweep/camsweep/internal/exitcode"
	"github.com/camsweep/camsweep/store"
	"github.com/camsweep/camsweep/vendors"
	"github.com/camsweep/camsweep/vendors/oui"
)

// maxConfigFile bounds every file camsweep reads whole (catalog, OUI
// registry, --syslog-ca): a mistaken /dev/zero or log file is an error,
// not an out-of-memory kill. The zones and rule loaders apply the same
// bound themselves, the credentials loader a tighter one (1 MiB).
const maxConfigFile = 16 << 20

// errTooLarge is returned by a limitedReader past its bound.
var errTooLarge = errors.New("file too large")

// limitedReader reads at most n bytes and then fails with errTooLarge,
// instead of io.LimitReader's silent end of file: a file cut short could
// parse as a smaller, wrong file.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	// One byte more than the bound tells a file of exactly n bytes from a
	// larger one.
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	k, err := l.r.Read(p)
	if int64(k) > l.n {
		k = int(l.n)
		l.n = 0
		return k, fmt.Errorf("%w: over %d MiB", errTooLarge, maxConfigFile>>20)
	}
	l.n -= int64(k)
	return k, err
}

// readConfigFile reads a whole file of at most maxConfigFile bytes.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxConfigFile>>20)
	}
	return data, nil
}

// LoadCatalog returns the embedded catalog, or the file that replaces it
// (--catalog); a bad file is a usage error naming file:line.
func LoadCatalog(path string) (*vendors.Catalog, error) {
	if path == "" {
		return vendors.LoadCatalog()
	}
	data, err := readConfigFile(path)
	if err != nil {
		return nil, exitcode.Usagef("--catalog: %v", err)
	}
	cat, err := vendors.ParseCatalog(path, data)
	if err != nil {
		return nil, exitcode.Usagef("--catalog: %v", err)
	}
	return cat, nil
}

// LoadOUI is the built-in MAC registry, with the file of --oui-file laid
// over it.
func LoadOUI(path string) (*oui.Table, error) {
	t, err := oui.Builtin()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return t, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.Usagef("--oui-file: %v", err)
	}
	defer f.Close()
	// The registry parser bounds lines, not the whole file.
	user, err := oui.Parse(path, &limitedReader{r: f, n: maxConfigFile})
	if err != nil {
		return nil, exitcode.Usagef("--oui-file: %v", err)
	}
	return t.Merge(user), nil
}

// openOutput opens the -o file for appending, creating it 0640. Append,
// never truncate: a log shipper tails this file across runs. Never through
// a symlink: one planted at the name in a shared directory would make
// camsweep append to a file of the planter's choosing with camsweep's
// rights (O_NOFOLLOW; the error says "too many levels of symbolic links").
func openOutput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0o640)
}

// StatePath resolves --state: the path given, or the default history
// database path (store.DefaultPath).
func StatePath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return store.DefaultPath()
}
