package sim

import "testing"

// The samples are real outputs published by xe users and in the XCP-ng
// documentation.
func TestFormatRecord(t *testing.T) {
	tests := []struct {
		name string
		rec  []pfield
		want string
	}{
		{
			name: "pif-list before v23.31",
			rec: []pfield{
				{"uuid ( RO)", "f1580a37-6726-6479-d399-635e2cb719b6"},
				{"device ( RO)", "eth2"},
				{"currently-attached ( RO)", "false"},
				{"VLAN ( RO)", "-1"},
				{"network-uuid ( RO)", "b33187c0-b231-0c69-6ee9-3ad2dcefa6f8"},
			},
			want: "uuid ( RO)                  : f1580a37-6726-6479-d399-635e2cb719b6\n" +
				"                device ( RO): eth2\n" +
				"    currently-attached ( RO): false\n" +
				"                  VLAN ( RO): -1\n" +
				"          network-uuid ( RO): b33187c0-b231-0c69-6ee9-3ad2dcefa6f8\n",
		},
		{
			name: "host-list",
			rec: []pfield{
				{"uuid ( RO)", "367ebe92-0634-41a8-825a-cd23184824ea"},
				{"name-label ( RW)", "csagentv1"},
				{"name-description ( RW)", "Default install of XenServer"},
			},
			want: "uuid ( RO)                : 367ebe92-0634-41a8-825a-cd23184824ea\n" +
				"          name-label ( RW): csagentv1\n" +
				"    name-description ( RW): Default install of XenServer\n",
		},
		{
			name: "pool-list with empty values",
			rec: []pfield{
				{"uuid ( RO)", "ae883deb-6278-18f1-b599-810a47066c33"},
				{"name-label ( RW)", ""},
				{"name-description ( RW)", ""},
				{"master ( RO)", "5a5b8220-fe72-4439-a94f-e61d66860ff9"},
				{"default-SR ( RW)", "bd78ed68-112f-4929-f230-174c261bbf6b"},
			},
			want: "uuid ( RO)                : ae883deb-6278-18f1-b599-810a47066c33\n" +
				"          name-label ( RW): \n" +
				"    name-description ( RW): \n" +
				"              master ( RO): 5a5b8220-fe72-4439-a94f-e61d66860ff9\n" +
				"          default-SR ( RW): bd78ed68-112f-4929-f230-174c261bbf6b\n",
		},
		{
			name: "xe help",
			rec: []pfield{
				{"command name        ", "host-cpu-info"},
				{"reqd params     ", ""},
				{"optional params ", "uuid"},
				{"description     ", "Lists information about the host's physical CPUs."},
			},
			want: "command name            : host-cpu-info\n" +
				"        reqd params     : \n" +
				"        optional params : uuid\n" +
				"        description     : Lists information about the host's physical CPUs.\n",
		},
		{name: "no fields", rec: nil, want: "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatRecord(tt.rec); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestPrinterTable(t *testing.T) {
	p := &printer{}
	p.table([][]pfield{{{"uuid ( RO)", "a"}}, {{"uuid ( RO)", "b"}}})
	p.flush()
	want := "uuid ( RO)    : a\n\n\nuuid ( RO)    : b\n\n\n"
	if got := p.out.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	p = &printer{}
	p.table(nil)
	if got := p.out.String(); got != "" {
		t.Errorf("no records: got %q, want nothing", got)
	}
}

func TestPrinterMinimal(t *testing.T) {
	tests := []struct {
		name string
		do   func(p *printer)
		want string
	}{
		{"no records", func(p *printer) { p.table(nil) }, "\n"},
		{"nothing printed", func(p *printer) {}, "\n"},
		{"first field of each record", func(p *printer) {
			p.table([][]pfield{
				{{"uuid ( RO)", "u1"}, {"device ( RO)", "eth0"}},
				{{"uuid ( RO)", "u2"}, {"device ( RO)", "eth1"}},
			})
		}, "u1,u2\n"},
		{"empty values keep their place", func(p *printer) {
			p.table([][]pfield{{{"IP ( RO)", ""}}, {{"IP ( RO)", "10.0.0.1"}}})
		}, ",10.0.0.1\n"},
		{"records without fields", func(p *printer) { p.table([][]pfield{{}, {}}) }, "\n"},
		{"escaping", func(p *printer) { p.list(`a,b\c`) }, `a\,b\\c` + "\n"},
		{"print calls come out last first", func(p *printer) { p.list("first"); p.list("second") }, "second,first\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &printer{minimal: true}
			tt.do(p)
			p.flush()
			if got := p.out.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeCommas(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"plain":         "plain",
		"a.com,b.com":   `a.com\,b.com`,
		`c:\dir`:        `c:\\dir`,
		`\,`:            `\\\,`,
		"k: v; k2: a,b": `k: v; k2: a\,b`,
	} {
		if got := escapeCommas(in); got != want {
			t.Errorf("escapeCommas(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldLabel(t *testing.T) {
	s := []string{}
	m := []kv{}
	tests := []struct {
		f    *field
		want string
	}{
		{ro("uuid", ""), "uuid ( RO)"},
		{rwString("name-label", new(string)), "name-label ( RW)"},
		{roSet("capabilities", nil), "capabilities (SRO)"},
		{rwSet("tags", &s, ", "), "tags (SRW)"},
		{roMap("software-version", nil), "software-version (MRO)"},
		{rwMap("other-config", &m, "PIF", "u"), "other-config (MRW)"},
		{deprecated(roSet("patches", nil)), "patches (SRO) [DEPRECATED]"},
	}
	for _, tt := range tests {
		if got := tt.f.label(); got != tt.want {
			t.Errorf("label of %s = %q, want %q", tt.f.name, got, tt.want)
		}
	}
}
