// Package version tells which build of runbook is running, from the
// build information the Go toolchain stamps into every binary: the main
// module's version and, for a build from a VCS checkout, the revision
// and whether the work tree had uncommitted changes. The journal header
// records it, so that a run's journal says which binary wrote it.
package version

import (
	"runtime/debug"
	"strings"
)

// Devel is the version of a build that carries no module version (a
// test binary, a build with -buildvcs=false outside a module cache).
const Devel = "(devel)"

// revLen is how much of a VCS revision is shown, as Go pseudo-versions do.
const revLen = 12

// String returns this binary's version: "v1.2.3", "(devel) 0123456789ab",
// "(devel) 0123456789ab+dirty", or "(devel)" when nothing is known.
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Devel
	}
	return fromBuildInfo(bi)
}

// Go returns the Go release the binary was built with ("go1.26.8").
func Go() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.GoVersion != "" {
		return bi.GoVersion
	}
	return "unknown"
}

// fromBuildInfo is String for given build information. The revision is
// added only when the module version does not already carry it (a Go
// pseudo-version ends with the revision, and "+dirty" when modified).
func fromBuildInfo(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = Devel
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > revLen {
		rev = rev[:revLen]
	}
	if rev != "" && !strings.Contains(v, rev) {
		v += " " + rev
	}
	if dirty && rev != "" && !strings.HasSuffix(v, "+dirty") {
		v += "+dirty"
	}
	return v
}
