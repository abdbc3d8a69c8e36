package sim

import (
	"strings"
)

// pfield is one printed line of a record: the label with its tag, and
// the rendered value.
type pfield struct{ label, value string }

// printer writes xe output the way the CLI server renders it. In normal
// mode each table record and each list item goes out at once; under
// --minimal the values are collected and flushed as one comma-joined line
// when the command succeeds.
type printer struct {
	minimal bool
	out     strings.Builder
	buf     []string
}

// table prints records, each followed by two blank lines. Under --minimal
// it keeps the first field of every record.
func (p *printer) table(recs [][]pfield) {
	if p.minimal {
		if len(recs) > 0 && len(recs[0]) > 0 {
			var vals []string
			for _, r := range recs {
				vals = append(vals, escapeCommas(r[0].value))
			}
			p.buf = append(p.buf, strings.Join(vals, ","))
		}
		return
	}
	for _, r := range recs {
		p.out.WriteString(formatRecord(r))
		p.out.WriteString("\n\n")
	}
}

// list prints each item on its own line.
func (p *printer) list(items ...string) {
	if p.minimal {
		var vals []string
		for _, s := range items {
			vals = append(vals, escapeCommas(s))
		}
		p.buf = append(p.buf, strings.Join(vals, ","))
		return
	}
	for _, s := range items {
		p.out.WriteString(s)
		p.out.WriteString("\n")
	}
}

// flush ends a successful command. The minimal buffer is a stack in the
// server, so several print calls come out in reverse order.
func (p *printer) flush() {
	if !p.minimal {
		return
	}
	vals := make([]string, 0, len(p.buf))
	for i := len(p.buf) - 1; i >= 0; i-- {
		vals = append(vals, p.buf[i])
	}
	p.out.WriteString(strings.Join(vals, ","))
	p.out.WriteString("\n")
}

// formatRecord lays out one record: W is 4 plus the longest label; the
// first label is padded on the right to W, the others on the left.
func formatRecord(r []pfield) string {
	w := 0
	for _, f := range r {
		w = max(w, len(f.label))
	}
	w += 4
	var b strings.Builder
	for i, f := range r {
		pad := strings.Repeat(" ", max(0, w-len(f.label)))
		if i == 0 {
			b.WriteString(f.label + pad)
		} else {
			b.WriteString(pad + f.label)
		}
		b.WriteString(": ")
		b.WriteString(f.value)
		if i < len(r)-1 {
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}

// escapeCommas escapes a value for --minimal output: `,` as `\,` and `\`
// as `\\`.
func escapeCommas(s string) string {
	if !strings.ContainsAny(s, `,\`) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		switch c {
		case ',':
			b.WriteString(`\,`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
