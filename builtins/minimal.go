package builtins

import (
	"strings"

	"go.starlark.net/starlark"
)

// ParseMinimal splits the output of an xe command run with --minimal: one
// line of values joined by ",", in which xe escapes "," as `\,` and `\` as
// `\\`. One trailing newline is removed first. Empty output (xe prints a
// lone newline when nothing matched) is an empty, non-nil slice; so one
// record whose value is empty cannot be told from none, as with xe itself.
// A backslash before any other character is kept as it is.
func ParseMinimal(out string) []string {
	out = strings.TrimSuffix(out, "\n")
	out = strings.TrimSuffix(out, "\r")
	if out == "" {
		return []string{}
	}
	if !strings.Contains(out, `\`) {
		return strings.Split(out, ",")
	}
	var items []string
	var b strings.Builder
	for i := 0; i < len(out); i++ {
		switch c := out[i]; {
		case c == '\\' && i+1 < len(out) && (out[i+1] == ',' || out[i+1] == '\\'):
			i++
			b.WriteByte(out[i])
		case c == ',':
			items = append(items, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(items, b.String())
}

// MinimalValue converts the items of ParseMinimal into a Starlark list of
// str.
func MinimalValue(items []string) *starlark.List {
	l := make([]starlark.Value, len(items))
	for i, s := range items {
		l[i] = starlark.String(s)
	}
	return starlark.NewList(l)
}
