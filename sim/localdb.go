package sim

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// xapi's local database, /var/lib/xcp/local.db on every host (localdb.ml,
// hashtbl_xml.ml): key-value rows that a host reads even in emergency
// mode, written as <config><row key=".." value=".."/>...</config> after
// an XML declaration. pool-enable-redo-log sets redo_log.enabled to true
// on every host (Host.set_localdb_key), pool-disable-redo-log to false:
// the one place in dom0 that says whether the redo log is on, since the
// CLI's pool record has no field for it.

const localDBPath = "var/lib/xcp/local.db"

type localDBRow struct {
	Key   string `xml:"key,attr"`
	Value string `xml:"value,attr"`
}

type localDB struct {
	XMLName xml.Name     `xml:"config"`
	Rows    []localDBRow `xml:"row"`
}

// setLocalDBKey sets a key in the local database of every host that has
// a dom0 root in this layout.
func (p *proc) setLocalDBKey(key, value string) error {
	for _, h := range p.m.Hosts {
		root := p.s.hostRoot(h)
		if root == "" {
			continue
		}
		path := filepath.Join(root, filepath.FromSlash(localDBPath))
		var db localDB
		if data, err := os.ReadFile(path); err == nil {
			xml.Unmarshal(data, &db) // a damaged file starts afresh, as xapi moves it aside
		}
		found := false
		for i := range db.Rows {
			if db.Rows[i].Key == key {
				db.Rows[i].Value, found = value, true
			}
		}
		if !found {
			db.Rows = append(db.Rows, localDBRow{Key: key, Value: value})
		}
		sort.Slice(db.Rows, func(i, j int) bool { return db.Rows[i].Key < db.Rows[j].Key })
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<config>")
		for _, r := range db.Rows {
			b.WriteString(`<row key="`)
			xml.EscapeText(&b, []byte(r.Key))
			b.WriteString(`" value="`)
			xml.EscapeText(&b, []byte(r.Value))
			b.WriteString(`"/>`)
		}
		b.WriteString("</config>")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(path, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
