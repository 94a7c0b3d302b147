package vendors

import _ "embed"

// StatementsYAML is the embedded statements.yaml: the evidence fields in
// which a device states its own identity, read by package fingerprint.
//
//go:embed statements.yaml
var StatementsYAML []byte
