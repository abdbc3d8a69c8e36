// Package runbooks holds the runbooks shipped in the binary: editable
// Starlark procedures that `runbook export` copies out for a site.
package runbooks

import "embed"

// FS holds the shipped runbooks (*.star at the top) and the library
// files they load (lib/*.star).
//
//go:embed *.star lib/*.star
var FS embed.FS
