package fingerprint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNew_extraRuleDirLoadsNothing: a --rules folder that holds no *.yaml
// file (only .yml files, say) or whose files hold no rules is an error
// naming the folder, not a silent scan without the rules meant.
func TestNew_extraRuleDirLoadsNothing(t *testing.T) {
	yml := t.TempDir()
	if err := writeFile(yml+"/local.yml", validRule); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := writeFile(empty+"/local.yaml", "rules: []\n"); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		yml:   yml + ": no *.yaml rule file",
		empty: empty + ": the *.yaml files hold no rules",
	} {
		_, err := New(Config{Catalog: mustCatalog(t), ExtraRuleDirs: []string{dir}})
		if err == nil || err.Error() != want {
			t.Errorf("New with %s: %v, want %q", dir, err, want)
		}
	}
}

// TestReadRuleFile_bound: rule files are read with a bound; /dev/zero and
// a file over it are errors.
func TestReadRuleFile_bound(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := ReadRuleFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "/dev/zero: larger than 16 MiB") {
			t.Errorf("ReadRuleFile(/dev/zero): %v", err)
		}
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(validRule+strings.Repeat("#", MaxRuleFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Catalog: mustCatalog(t), ExtraRuleDirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "big.yaml: larger than 16 MiB") {
		t.Errorf("New with a rule file over the bound: %v", err)
	}
	if data, err := ReadRuleFile(filepath.Join("testdata", "..", "rule.go")); err != nil || len(data) == 0 {
		t.Errorf("ReadRuleFile of a small file: %d bytes, %v", len(data), err)
	}
}
