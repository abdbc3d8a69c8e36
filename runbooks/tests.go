package runbooks

import "embed"

// Tests holds the starter scenarios of the shipped runbooks,
// tests/<runbook>.txtar, which `runbook export` writes beside the copy
// for `runbook test`: each must pass against the default simulated host
// (or the one its "# sim:" line asks for) as exported. A shipped runbook
// gets its starter by adding its file here.
//
//go:embed tests/*.txtar
var Tests embed.FS
