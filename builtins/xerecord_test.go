package builtins

import (
	"reflect"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// The outputs below are the real transcripts quoted in
// /work/shared/reference/xe-cli.md §2.1 (byte for byte, alignment kept).

// pif-list, default fields before xapi v23.31 (xcp-ng-org networking.md).
const pifListOld = `uuid ( RO)                  : f1580a37-6726-6479-d399-635e2cb719b6
                device ( RO): eth2
    currently-attached ( RO): false
                  VLAN ( RO): -1
          network-uuid ( RO): b33187c0-b231-0c69-6ee9-3ad2dcefa6f8


uuid ( RO)                  : 63abf866-890d-79bb-d276-8a50e8e4a94b
                device ( RO): eth0
    currently-attached ( RO): true
                  VLAN ( RO): -1
          network-uuid ( RO): 7404e9f7-7dfe-b666-d6f2-1fe9886498cd


`

// host-list on XenServer 6.2 (the prompt line is left out).
const hostList = `uuid ( RO)                : 367ebe92-0634-41a8-825a-cd23184824ea
          name-label ( RW): csagentv1
    name-description ( RW): Default install of XenServer
`

// network-list as published: the empty description lost its trailing space.
const networkList = `uuid ( RO)                : db10af45-e36c-0665-1742-dbc6fe8c557a
          name-label ( RW): Pool-wide network associated with eth0
    name-description ( RW):
              bridge ( RO): xenbr0
`

// pool-list with empty values that kept their trailing space.
const poolList = "uuid ( RO)                : ae883deb-6278-18f1-b599-810a47066c33\n" +
	"          name-label ( RW): \n" +
	"    name-description ( RW): \n" +
	"              master ( RO): 5a5b8220-fe72-4439-a94f-e61d66860ff9\n" +
	"          default-SR ( RW): bd78ed68-112f-4929-f230-174c261bbf6b\n"

// pif-list params=all from pastebin eRiY1ZGj, which lost the left padding;
// the "..." lines of the excerpt are left out (see the error case below).
const pifParamsAll = "uuid ( RO) : 49b5ab75-e99d-11ff-63b1-1299bfe464b2\n" +
	"device ( RO): eth2\n" +
	"bond-master-of ( RO):\n" +
	"bond-slave-of ( RO): <not in database>\n" +
	"management ( RO): false\n" +
	"IP-configuration-mode ( RO): Static\n" +
	"IP ( RO): 10.0.0.1\n" +
	"netmask ( RO): 255.255.255.0\n" +
	"properties (MRO): gro: on\n" +
	"io_read_kbs ( RO): <expensive field>\n" +
	"disallow-unplug ( RW): true\n" +
	"pci-bus-path ( RO): 0000:04:00.1\n" +
	"other-config (MRW): management_purpose: Internal Network\n"

func ro(name, value string) Field { return Field{Name: name, Value: value} }
func rw(name, value string) Field { return Field{Name: name, Writable: true, Value: value} }

func TestXeParseRecords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Record // ignored when err is set
		err  string
	}{
		{name: "empty", in: "", want: []Record{}},
		{name: "only whitespace", in: "\n \n\t\r\n\n", want: []Record{}},
		{
			name: "pif-list old default",
			in:   pifListOld,
			want: []Record{
				{
					ro("uuid", "f1580a37-6726-6479-d399-635e2cb719b6"),
					ro("device", "eth2"),
					ro("currently-attached", "false"),
					ro("VLAN", "-1"),
					ro("network-uuid", "b33187c0-b231-0c69-6ee9-3ad2dcefa6f8"),
				},
				{
					ro("uuid", "63abf866-890d-79bb-d276-8a50e8e4a94b"),
					ro("device", "eth0"),
					ro("currently-attached", "true"),
					ro("VLAN", "-1"),
					ro("network-uuid", "7404e9f7-7dfe-b666-d6f2-1fe9886498cd"),
				},
			},
		},
		{
			name: "host-list without trailing blank lines",
			in:   hostList,
			want: []Record{{
				ro("uuid", "367ebe92-0634-41a8-825a-cd23184824ea"),
				rw("name-label", "csagentv1"),
				rw("name-description", "Default install of XenServer"),
			}},
		},
		{
			name: "network-list empty value without its space",
			in:   networkList,
			want: []Record{{
				ro("uuid", "db10af45-e36c-0665-1742-dbc6fe8c557a"),
				rw("name-label", "Pool-wide network associated with eth0"),
				rw("name-description", ""),
				ro("bridge", "xenbr0"),
			}},
		},
		{
			name: "pool-list empty values with their space",
			in:   poolList,
			want: []Record{{
				ro("uuid", "ae883deb-6278-18f1-b599-810a47066c33"),
				rw("name-label", ""),
				rw("name-description", ""),
				ro("master", "5a5b8220-fe72-4439-a94f-e61d66860ff9"),
				rw("default-SR", "bd78ed68-112f-4929-f230-174c261bbf6b"),
			}},
		},
		{
			name: "params=all with lost padding",
			in:   pifParamsAll,
			want: []Record{{
				ro("uuid", "49b5ab75-e99d-11ff-63b1-1299bfe464b2"),
				ro("device", "eth2"),
				ro("bond-master-of", ""),
				ro("bond-slave-of", "<not in database>"),
				ro("management", "false"),
				ro("IP-configuration-mode", "Static"),
				ro("IP", "10.0.0.1"),
				ro("netmask", "255.255.255.0"),
				{Name: "properties", Kind: Map, Value: "gro: on"},
				ro("io_read_kbs", "<expensive field>"),
				rw("disallow-unplug", "true"),
				ro("pci-bus-path", "0000:04:00.1"),
				{Name: "other-config", Kind: Map, Writable: true, Value: "management_purpose: Internal Network"},
			}},
		},
		{
			name: "CRLF, several blank lines, no final newline",
			in:   "uuid ( RO)    : a\r\n  tags (SRW): x; y\r\n\r\n\r\n\r\n\r\nuuid ( RO): b",
			want: []Record{
				{ro("uuid", "a"), {Name: "tags", Kind: Set, Writable: true, Value: "x; y"}},
				{ro("uuid", "b")},
			},
		},
		{
			name: "every tag, deprecated, values holding colons and parens",
			in: "uuid ( RO)                          : u\n" +
				"                   name-label ( RW): a (b): c\n" +
				"             allowed-operations (SRO): \n" +
				"                         tags (SRW): t1; t2\n" +
				"                     platform (MRO): k: v: w\n" +
				"                 other-config (MRW): a: 1; b: 2\n" +
				"  memory-overhead ( RO) [DEPRECATED]: 42\n" +
				"\tspeed ( RO): 1000 Mbit/s \n",
			want: []Record{{
				ro("uuid", "u"),
				rw("name-label", "a (b): c"),
				{Name: "allowed-operations", Kind: Set},
				{Name: "tags", Kind: Set, Writable: true, Value: "t1; t2"},
				{Name: "platform", Kind: Map, Value: "k: v: w"},
				{Name: "other-config", Kind: Map, Writable: true, Value: "a: 1; b: 2"},
				{Name: "memory-overhead", Deprecated: true, Value: "42"},
				ro("speed", "1000 Mbit/s "),
			}},
		},
		{
			name: "elided excerpt",
			in:   "uuid ( RO) : 49b5ab75\ndevice ( RO): eth2\n...\n",
			err:  `line 3: not an xe record field: "..."`,
		},
		{
			name: "unknown tag",
			in:   "uuid ( RO): a\nMAC (XRO): b\n",
			err:  `line 2: not an xe record field: "MAC (XRO): b"`,
		},
		{
			name: "tag too long",
			in:   "uuid ( RO ): a\n",
			err:  `line 1: not an xe record field: "uuid ( RO ): a"`,
		},
		{
			name: "no colon",
			in:   "\n\nuuid ( RO) a\n",
			err:  `line 3: not an xe record field: "uuid ( RO) a"`,
		},
		{
			name: "no space after the colon",
			in:   "uuid ( RO):a\n",
			err:  `line 1: not an xe record field: "uuid ( RO):a"`,
		},
		{
			name: "no tag",
			in:   "uuid: a\n",
			err:  `line 1: not an xe record field: "uuid: a"`,
		},
		{
			name: "error text",
			in:   "Error: Unknown field 'foo'\n",
			err:  `line 1: not an xe record field: "Error: Unknown field 'foo'"`,
		},
		{
			name: "name with a space",
			in:   "my field ( RO): a\n",
			err:  `line 1: not an xe record field: "my field ( RO): a"`,
		},
		{
			name: "long line is cut",
			in:   "uuid ( RO): a\n" + strings.Repeat("é", 50) + "\n",
			err:  `line 2: not an xe record field: "` + strings.Repeat("é", 34) + `..."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRecords(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ParseRecords: got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRecords: %v", err)
			}
			if got == nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRecords:\ngot  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestXeFieldMapSet(t *testing.T) {
	tests := []struct {
		value   string
		wantMap [][2]string
		wantSet []string
	}{
		{"", nil, []string{}},
		{"gro: on", [][2]string{{"gro", "on"}}, []string{"gro: on"}},
		{"management_purpose: Internal Network", [][2]string{{"management_purpose", "Internal Network"}}, []string{"management_purpose: Internal Network"}},
		{"a: 1; b: x: y; c", [][2]string{{"a", "1"}, {"b", "x: y"}, {"c", ""}}, []string{"a: 1", "b: x: y", "c"}},
		{"a: ; b: 2", [][2]string{{"a", ""}, {"b", "2"}}, []string{"a: ", "b: 2"}},
		{"a:", [][2]string{{"a", ""}}, []string{"a:"}},
		{"u1; u2;u3", [][2]string{{"u1", ""}, {"u2;u3", ""}}, []string{"u1", "u2;u3"}},
	}
	for _, tt := range tests {
		f := Field{Value: tt.value}
		if got := f.Map(); !reflect.DeepEqual(got, tt.wantMap) {
			t.Errorf("Field{Value: %q}.Map() = %q, want %q", tt.value, got, tt.wantMap)
		}
		if got := f.Set(); got == nil || !reflect.DeepEqual(got, tt.wantSet) {
			t.Errorf("Field{Value: %q}.Set() = %#v, want %#v", tt.value, got, tt.wantSet)
		}
	}
}

func TestXeRecordValue(t *testing.T) {
	rs, err := ParseRecords(pifParamsAll + "\n\n" + "uuid ( RO): n\ntags (SRW): a; b\nPIF-uuids (SRO): \nother-config (MRW): \n")
	if err != nil {
		t.Fatal(err)
	}
	got := RecordsValue(rs).String()
	want := `[{"uuid": "49b5ab75-e99d-11ff-63b1-1299bfe464b2", "device": "eth2", ` +
		`"bond-master-of": "", "bond-slave-of": "<not in database>", "management": "false", ` +
		`"IP-configuration-mode": "Static", "IP": "10.0.0.1", "netmask": "255.255.255.0", ` +
		`"properties": {"gro": "on"}, "io_read_kbs": "<expensive field>", "disallow-unplug": "true", ` +
		`"pci-bus-path": "0000:04:00.1", "other-config": {"management_purpose": "Internal Network"}}, ` +
		`{"uuid": "n", "tags": ["a", "b"], "PIF-uuids": [], "other-config": {}}]`
	if got != want {
		t.Errorf("RecordsValue:\ngot  %s\nwant %s", got, want)
	}
	if got := RecordsValue([]Record{}).String(); got != "[]" {
		t.Errorf("RecordsValue(none) = %s, want []", got)
	}
}

func TestXeKindString(t *testing.T) {
	for k, want := range map[FieldKind]string{Scalar: "Scalar", Set: "Set", Map: "Map", 7: "FieldKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("FieldKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestMinimalParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"\n", []string{}},
		{"\r\n", []string{}},
		{"3f6e551b-993e-0a3d-96b6-0f0d172f867f\n", []string{"3f6e551b-993e-0a3d-96b6-0f0d172f867f"}},
		{"uuid1,uuid2,uuid3\n", []string{"uuid1", "uuid2", "uuid3"}},
		{"uuid1,uuid2", []string{"uuid1", "uuid2"}},
		{",10.0.0.1\n", []string{"", "10.0.0.1"}},
		{"a,,b,\n", []string{"a", "", "b", ""}},
		{`a.com\,b.com,c` + "\n", []string{"a.com,b.com", "c"}},
		{`x\\,y\\\,z` + "\n", []string{`x\`, `y\,z`}},
		{`\n\`, []string{`\n\`}},
		{"a\n\n", []string{"a\n"}},
	}
	for _, tt := range tests {
		got := ParseMinimal(tt.in)
		if got == nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMinimal(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
	if got, want := MinimalValue([]string{"a", "b,c"}).String(), `["a", "b,c"]`; got != want {
		t.Errorf("MinimalValue = %s, want %s", got, want)
	}
	if got := MinimalValue(ParseMinimal("\n")).Len(); got != 0 {
		t.Errorf("MinimalValue(none).Len() = %d, want 0", got)
	}
	var _ starlark.Value = MinimalValue(nil)
}

// formatRecords lays records out as xapi's cli_printer does (xe-cli.md
// §2.1): labels right-aligned to 4 + the longest label of the record, the
// first one padded on the right instead, and two blank lines after each
// record.
func formatRecords(rs []Record) string {
	var b strings.Builder
	for _, r := range rs {
		labels := make([]string, len(r))
		w := 0
		for i, f := range r {
			labels[i] = label(f)
			w = max(w, len(labels[i]))
		}
		w += 4
		for i, f := range r {
			pad := strings.Repeat(" ", w-len(labels[i]))
			if i == 0 {
				b.WriteString(labels[i] + pad)
			} else {
				b.WriteString(pad + labels[i])
			}
			b.WriteString(": " + f.Value + "\n")
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

func label(f Field) string {
	tag := [...]string{Scalar: " R", Set: "SR", Map: "MR"}[f.Kind]
	if f.Writable {
		tag += "W"
	} else {
		tag += "O"
	}
	l := f.Name + " (" + tag + ")"
	if f.Deprecated {
		l += " [DEPRECATED]"
	}
	return l
}

// gen hands out fuzz bytes, then zeros.
type gen struct{ data []byte }

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *gen) more() bool { return len(g.data) > 0 }

// pick returns a string of up to max bytes drawn from alphabet.
func (g *gen) pick(alphabet string, max int) string {
	n := int(g.byte()) % (max + 1)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[int(g.byte())%len(alphabet)]
	}
	return string(b)
}

const (
	letters   = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	nameChars = letters + "0123456789_-"
)

// genRecords builds records whose names match [a-zA-Z][a-zA-Z0-9_-]* and
// whose values have no line breaks and no leading or trailing blanks.
func genRecords(g *gen) []Record {
	var rs []Record
	for g.more() && len(rs) < 8 {
		r := make(Record, 1+int(g.byte())%8)
		for i := range r {
			k := g.byte()
			r[i] = Field{
				Name:       string(letters[int(g.byte())%len(letters)]) + g.pick(nameChars, 20),
				Kind:       FieldKind(int(k) % 3),
				Writable:   k&4 != 0,
				Deprecated: k&8 != 0,
			}
			switch k >> 4 % 4 {
			case 0: // empty
			case 1:
				r[i].Value = g.pick(" ;:(),<>-.abcXYZ019\\\té", 40)
			default:
				// Raw bytes, including invalid UTF-8.
				v := []byte(g.pick("x", 30))
				for j := range v {
					if c := g.byte(); c != '\n' && c != '\r' {
						v[j] = c
					}
				}
				r[i].Value = string(v)
			}
			r[i].Value = strings.Trim(r[i].Value, " \t\v\f\u0085\u00a0")
		}
		rs = append(rs, r)
	}
	return rs
}

func FuzzXeParseRecords(f *testing.F) {
	for _, s := range []string{"", pifListOld, hostList, networkList, poolList, pifParamsAll, "a (SRO) [DEPRECATED]  :\r\n\n\nx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseRecords(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("ParseRecords(%q): error without a position: %v", in, err)
			}
			return
		}
		for i, r := range rs {
			if len(r) == 0 {
				t.Fatalf("ParseRecords(%q): record %d is empty", in, i)
			}
		}
	})
}

func FuzzXeRecordsRoundTrip(f *testing.F) {
	f.Add([]byte("\x03\x01\x05uuid\x10\x24abcd\x1c\x02\x01zz"))
	f.Add([]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\x00\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		want := genRecords(&gen{data: data})
		out := formatRecords(want)
		got, err := ParseRecords(out)
		if err != nil {
			t.Fatalf("ParseRecords(%q): %v", out, err)
		}
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("ParseRecords(%q):\ngot  %#v\nwant %#v", out, got, want)
		}
	})
}

// formatMinimal joins items as xe --minimal does (xe-cli.md §2.3).
func formatMinimal(items []string) string {
	r := strings.NewReplacer(`\`, `\\`, `,`, `\,`)
	esc := make([]string, len(items))
	for i, s := range items {
		esc[i] = r.Replace(s)
	}
	return strings.Join(esc, ",") + "\n"
}

func FuzzMinimalRoundTrip(f *testing.F) {
	f.Add([]byte("\x02\x05a,b\\c\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{data: data}
		var want []string
		for g.more() {
			want = append(want, g.pick(`a,\ b`+"\t", 10))
		}
		out := formatMinimal(want)
		got := ParseMinimal(out)
		if len(want) == 1 && want[0] == "" {
			want = nil // one empty value prints as no value at all
		}
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("ParseMinimal(%q) = %q, want %q", out, got, want)
		}
	})
}
