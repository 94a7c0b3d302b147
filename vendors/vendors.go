// Package vendors holds camsweep's embedded vendor data and its loaders: the
// catalog of makers, legal lists and policies (catalog.yaml), the
// fingerprint rules (rules/*.yaml, read by package fingerprint) and the
// vocabulary of evidence keys (FIELDS.md) that rules may read.
package vendors

import (
	"embed"
	"io/fs"
)

//go:embed catalog.yaml FIELDS.md rules/*.yaml
var embedded embed.FS

// RulesFS holds the embedded rule files at its root (hikvision.yaml, …).
var RulesFS fs.FS = mustSub(embedded, "rules")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		// fs.Sub fails only on an invalid path, which is a constant here.
		panic(err)
	}
	return sub
}
