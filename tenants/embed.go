// Package tenants embeds the declarative tenant manifests that ship with the
// binary: the demo company.
package tenants

import _ "embed"

// Demo is the manifest of the demo company, applied by `serve --demo`.
//
//go:embed demo.yaml
var Demo []byte
