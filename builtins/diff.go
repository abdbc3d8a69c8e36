package builtins

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// UnifiedDiff renders the change from old to new as a unified diff with
// three lines of context, for dry runs: "--- a/PATH" (or /dev/null for a
// new file), "+++ b/PATH", then the hunks. It is empty when nothing
// changes. go-internal's anchored diff keeps unrelated blank lines from
// being matched up, which reads better on configuration files.
func UnifiedDiff(name, old, new string, existed bool) string {
	from := "a" + name
	if !existed {
		from = "/dev/null"
	}
	d := string(diff.Diff(from, []byte(old), "b"+name, []byte(new)))
	// Drop the "diff a b" line: the header lines say it.
	_, rest, _ := strings.Cut(d, "\n")
	return rest
}
