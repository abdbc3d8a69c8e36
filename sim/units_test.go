package sim

import (
	"reflect"
	"strings"
	"testing"
)

func TestExecWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/sbin/ifup bond51 boot", []string{"/sbin/ifup", "bond51", "boot"}},
		{"-/sbin/ifup bond51", []string{"-/sbin/ifup", "bond51"}},
		{"@/usr/bin/x argv0 a", []string{"/usr/bin/x", "argv0", "a"}},
		{`"/opt/run book/runbook" resume --state-dir "/var/lib/a b"`, []string{"/opt/run book/runbook", "resume", "--state-dir", "/var/lib/a b"}},
		{`/bin/echo 100%% %n`, []string{"/bin/echo", "100%", "u.service"}},
		{`/bin/echo "say \"hi\""`, []string{"/bin/echo", `say "hi"`}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := execWords(tt.in, "u.service"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("execWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	env := []string{"A=1", "B=two words", "A=3"}
	tests := []struct{ in, want string }{
		{"$A", "3"},
		{"${B}", "two words"},
		{"x$${A}", "x${A}"},
		{"$$", "$"},
		{"$UNSET-", "-"},
		{"cost $", "cost $"},
		{"${A", "${A"},
	}
	for _, tt := range tests {
		if got := expandEnv(tt.in, env); got != tt.want {
			t.Errorf("expandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseUnit(t *testing.T) {
	u := &unit{Name: "x.service"}
	parseUnit(u, `# a comment
[Unit]
Description=Resume the run
After=network-online.target xapi.service
After=xapi-init-complete.target
Before=network.target
ConditionPathExists=!/etc/ran

[Service]
Type=oneshot
Environment="A=1" B=2
ExecStartPre=/bin/true
ExecStart=/usr/local/bin/runbook \
  resume --state-dir /var/lib/runbook
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`)
	want := &unit{Name: "x.service", Description: "Resume the run",
		After:      []string{"network-online.target", "xapi.service", "xapi-init-complete.target"},
		Before:     []string{"network.target"},
		Conditions: []string{"!/etc/ran"}, Type: "oneshot", Env: []string{"A=1", "B=2"},
		ExecStart: [][]string{{"/bin/true"}, {"/usr/local/bin/runbook", "resume", "--state-dir", "/var/lib/runbook"}},
		Console:   true}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("got %+v\nwant %+v", u, want)
	}
}

func TestOrderUnits(t *testing.T) {
	mk := func(name string, wantedBy string, after, before []string) *unit {
		return &unit{Name: name, WantedBy: []string{wantedBy}, After: after, Before: before}
	}
	tests := []struct {
		name      string
		units     []*unit
		want      []string
		wantNotes int
	}{
		{"start of day first, then names", []*unit{
			mk("b.service", "multi-user.target", nil, nil),
			mk("a.service", "multi-user.target", nil, nil),
		}, []string{xapiUnit, "a.service", "b.service"}, 0},
		{"before xapi, after xapi, after each other", []*unit{
			mk("runbook-resume.service", "multi-user.target", []string{"network-online.target", xapiUnit, "xapi-init-complete.target"}, nil),
			mk("runbook-bond51.service", "multi-user.target", []string{"network-pre.target"}, []string{"network.target", xapiUnit}),
			mk("a-late.service", "multi-user.target", []string{"runbook-resume.service"}, nil),
		}, []string{"runbook-bond51.service", xapiUnit, "runbook-resume.service", "a-late.service"}, 0},
		{"a unit wanted by a target comes before units after that target", []*unit{
			mk("z-wait.service", "network-online.target", nil, nil),
			mk("a-net.service", "multi-user.target", []string{"network-online.target"}, nil),
		}, []string{xapiUnit, "z-wait.service", "a-net.service"}, 0},
		{"a cycle is broken at the first unit by name", []*unit{
			mk("a.service", "multi-user.target", []string{"b.service"}, nil),
			mk("b.service", "multi-user.target", []string{"a.service"}, nil),
		}, []string{xapiUnit, "a.service", "b.service"}, 1},
		{"unknown units in After= are ignored", []*unit{
			mk("a.service", "multi-user.target", []string{"nothere.service"}, nil),
		}, []string{xapiUnit, "a.service"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes := orderUnits(tt.units)
			if !reflect.DeepEqual(got, tt.want) || len(notes) != tt.wantNotes {
				t.Errorf("got %q (notes %q), want %q with %d notes", got, notes, tt.want, tt.wantNotes)
			}
		})
	}
}

// FuzzParseUnit: any unit file parses without panicking, every command
// has a program, and a command written as systemd quotes words comes back
// as those words.
func FuzzParseUnit(f *testing.F) {
	f.Add("[Service]\nExecStart=/bin/x a b\n", "/sbin/ifup", "bond 51")
	f.Add("[Unit]\nAfter=a b\\\n c\n[Service]\nExecStart=\n", "x", `a"b\c`)
	f.Fuzz(func(t *testing.T, data, w1, w2 string) {
		u := &unit{Name: "f.service"}
		parseUnit(u, data)
		for _, argv := range u.ExecStart {
			if len(argv) == 0 {
				t.Fatalf("an empty command from %q", data)
			}
		}
		if strings.ContainsAny(w1+w2, "\n\r\x00") || w1 == "" || strings.ContainsAny(w1[:1], "-@+!:") {
			return
		}
		quote := func(s string) string {
			s = strings.ReplaceAll(s, "%", "%%")
			s = strings.ReplaceAll(s, `\`, `\\`)
			s = strings.ReplaceAll(s, `"`, `\"`)
			return `"` + s + `"`
		}
		got := execWords(quote(w1)+" "+quote(w2), "f.service")
		if !reflect.DeepEqual(got, []string{w1, w2}) {
			t.Errorf("execWords(%q) = %q, want %q", quote(w1)+" "+quote(w2), got, []string{w1, w2})
		}
	})
}
