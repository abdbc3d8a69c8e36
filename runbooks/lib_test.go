package runbooks_test

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/builtins"
	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/runbooks"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// The dialect of runbooks (engine/runbook.go).
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// errHost is what a host builtin does in these tests: the pure functions
// of the library must not call one.
var errHost = errors.New("a host builtin called by a pure function")

// loadLib executes lib/xen.star with the runbook language's names: the
// engine's and the host builtins are stubs that fail, struct and net are
// the real ones.
func loadLib(t testing.TB) starlark.StringDict {
	t.Helper()
	src, err := fs.ReadFile(runbooks.FS, "lib/xen.star")
	if err != nil {
		t.Fatal(err)
	}
	stub := func(name string) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return nil, fmt.Errorf("%s: %w", name, errHost)
		})
	}
	pre := starlark.StringDict{"struct": starlark.NewBuiltin("struct", starlarkstruct.Make), "net": builtins.NetModule(), "dry_run": starlark.False}
	for _, f := range builtins.Funcs() {
		pre[f.Name] = stub(f.Name)
	}
	for _, n := range []string{"step", "param", "refuse", "reboot_and_resume", "warn", "json", "sleep", "wait_until", "attempt"} {
		pre[n] = stub(n)
	}
	g, err := starlark.ExecFileOptions(fileOptions, &starlark.Thread{Name: "lib"}, "lib/xen.star", src, pre)
	if err != nil {
		t.Fatalf("lib/xen.star: %v", err)
	}
	return g
}

// call calls a library function with Go strings and returns its value.
func call(t testing.TB, lib starlark.StringDict, fn string, args ...starlark.Value) (starlark.Value, error) {
	t.Helper()
	f, ok := lib[fn].(starlark.Callable)
	if !ok {
		t.Fatalf("lib/xen.star has no function %s", fn)
	}
	return starlark.Call(&starlark.Thread{Name: fn}, f, starlark.Tuple(args), nil)
}

func str(s string) starlark.Value { return starlark.String(s) }

// TestModeChoicesMatchTable: param(choices=) takes only constants, so the
// runbooks spell their modes out; they must be those of the one table in
// lib/xen.star.
func TestModeChoicesMatchTable(t *testing.T) {
	lib := loadLib(t)
	var kernel, xapi []string
	var numbers []string
	for m := range lib["BOND_MODES"].(*starlark.List).Elements() {
		s := m.(*starlarkstruct.Struct)
		n, _ := s.Attr("number")
		name, _ := s.Attr("name")
		numbers = append(numbers, n.String())
		kernel = append(kernel, string(name.(starlark.String)))
	}
	for m := range lib["XAPI_BOND_MODES"].(*starlark.List).Elements() {
		name, _ := m.(*starlarkstruct.Struct).Attr("name")
		xapi = append(xapi, string(name.(starlark.String)))
	}
	if want := []string{"0", "1", "2", "3", "4", "5", "6", "7"}; !slices.Equal(numbers, want) {
		t.Errorf("BOND_MODES numbers %v, want %v in order", numbers, want)
	}
	for _, tt := range []struct {
		runbook string
		want    []string
	}{
		{"nfs-bond", append(numbers, kernel...)},
		{"storage-bond", xapi},
	} {
		rb, err := engine.Open(tt.runbook, runbooks.FS)
		if err != nil {
			t.Fatal(err)
		}
		got := rb.Param("mode").Choices
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: param mode choices %q, want those of lib/xen.star %q", tt.runbook, got, tt.want)
		}
	}
}

// TestLibDocstrings: every function of the library says what it does.
func TestLibDocstrings(t *testing.T) {
	src, err := fs.ReadFile(runbooks.FS, "lib/xen.star")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fileOptions.Parse("lib/xen.star", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, stmt := range f.Stmts {
		def, ok := stmt.(*syntax.DefStmt)
		if !ok {
			continue
		}
		n++
		doc := false
		if len(def.Body) > 0 {
			if e, ok := def.Body[0].(*syntax.ExprStmt); ok {
				if lit, ok := e.X.(*syntax.Literal); ok && lit.Token == syntax.STRING {
					doc = true
				}
			}
		}
		if !doc {
			t.Errorf("lib/xen.star: %s has no docstring", def.Name.Name)
		}
	}
	if n < 20 {
		t.Fatalf("found %d functions, want the library's", n)
	}
}

// TestNoNestedDefs: the shipped runbooks define their functions at the
// top level, never inside an if or a loop.
func TestNoNestedDefs(t *testing.T) {
	for _, name := range engine.ShippedNames(runbooks.FS) {
		src, err := fs.ReadFile(runbooks.FS, name+".star")
		if err != nil {
			t.Fatal(err)
		}
		f, err := fileOptions.Parse(name+".star", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range f.Stmts {
			syntax.Walk(stmt, func(n syntax.Node) bool {
				switch s := n.(type) {
				case *syntax.IfStmt, *syntax.ForStmt, *syntax.WhileStmt:
					syntax.Walk(s, func(m syntax.Node) bool {
						if d, ok := m.(*syntax.DefStmt); ok {
							p, _ := d.Span()
							t.Errorf("%s: def %s inside a statement", p, d.Name.Name)
						}
						return true
					})
					return false
				case *syntax.DefStmt:
					return false
				}
				return true
			})
		}
	}
}

// TestLoadsAreUsed: every name a shipped runbook loads is used in it.
func TestLoadsAreUsed(t *testing.T) {
	for _, name := range engine.ShippedNames(runbooks.FS) {
		src, err := fs.ReadFile(runbooks.FS, name+".star")
		if err != nil {
			t.Fatal(err)
		}
		f, err := fileOptions.Parse(name+".star", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]int{}
		syntax.Walk(f, func(n syntax.Node) bool {
			if id, ok := n.(*syntax.Ident); ok {
				used[id.Name]++
			}
			return true
		})
		for _, stmt := range f.Stmts {
			ld, ok := stmt.(*syntax.LoadStmt)
			if !ok {
				continue
			}
			for _, id := range ld.To {
				// The load statement itself names it once.
				if used[id.Name] < 2 {
					t.Errorf("%s: loads %s but never uses it", name, id.Name)
				}
			}
		}
	}
}

// render shows a Starlark value for comparison.
func render(v starlark.Value) string { return v.String() }

func TestParseIPAddrs(t *testing.T) {
	lib := loadLib(t)
	for _, tt := range []struct{ in, want string }{
		{"", "[]"},
		// iproute 4.11 on a CentOS 7 dom0.
		{`10: bond51    inet 10.10.51.11/24 brd 10.10.51.255 scope global bond51\       valid_lft forever preferred_lft forever`,
			`[struct(address = "10.10.51.11", dev = "bond51", prefix = 24, secondary = False)]`},
		// A second address in the same subnet, and one with a label.
		{"10: bond51    inet 10.10.51.11/24 brd 10.10.51.255 scope global bond51\\       valid_lft forever preferred_lft forever\n" +
			"10: bond51    inet 10.10.51.12/24 brd 10.10.51.255 scope global secondary bond51\\       valid_lft forever preferred_lft forever\n" +
			"3: eth1    inet 10.0.0.5/8 scope global eth1:1\\       valid_lft forever preferred_lft forever",
			`[struct(address = "10.10.51.11", dev = "bond51", prefix = 24, secondary = False), struct(address = "10.10.51.12", dev = "bond51", prefix = 24, secondary = True), struct(address = "10.0.0.5", dev = "eth1", prefix = 8, secondary = False)]`},
		// Newer iproute2: noprefixroute, dynamic; a VLAN device name.
		{`4: eth2.100@eth2    inet 192.168.5.2/25 brd 192.168.5.127 scope global dynamic noprefixroute eth2.100\       valid_lft 86000sec preferred_lft 86000sec`,
			`[struct(address = "192.168.5.2", dev = "eth2.100", prefix = 25, secondary = False)]`},
		// Not IPv4 addresses, or damaged.
		{"2: eth0    inet6 fe80::1/64 scope link\n1: lo    inet 127.0.0.1 scope host lo\n5: x inet 1.2.3.4/٣", "[]"},
	} {
		got, err := call(t, lib, "parse_ip_addrs", str(tt.in))
		if err != nil {
			t.Errorf("parse_ip_addrs(%q): %v", tt.in, err)
			continue
		}
		if render(got) != tt.want {
			t.Errorf("parse_ip_addrs(%q)\n got %s\nwant %s", tt.in, render(got), tt.want)
		}
	}
}

func TestParseIPLinks(t *testing.T) {
	lib := loadLib(t)
	in := `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
4: eth2: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 9000 qdisc mq master bond51 state UP mode DEFAULT group default qlen 1000\    link/ether 00:1b:21:03:9b:c0 brd ff:ff:ff:ff:ff:ff
10: bond51: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP mode DEFAULT group default qlen 1000\    link/ether 00:1b:21:03:9b:c0 brd ff:ff:ff:ff:ff:ff
11: eth2.100@eth2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\    link/ether 00:1b:21:03:9b:c0 brd ff:ff:ff:ff:ff:ff
garbage line
12: x: <> mtu ٣`
	got, err := call(t, lib, "parse_ip_links", str(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"lo": struct(flags = ["LOOPBACK", "UP", "LOWER_UP"], index = 1, master = "", mtu = 65536, state = "UNKNOWN"), ` +
		`"eth2": struct(flags = ["BROADCAST", "MULTICAST", "SLAVE", "UP", "LOWER_UP"], index = 4, master = "bond51", mtu = 9000, state = "UP"), ` +
		`"bond51": struct(flags = ["BROADCAST", "MULTICAST", "MASTER", "UP", "LOWER_UP"], index = 10, master = "", mtu = 9000, state = "UP"), ` +
		`"eth2.100": struct(flags = ["BROADCAST", "MULTICAST"], index = 11, master = "", mtu = 1500, state = "DOWN"), ` +
		`"x": struct(flags = [""], index = 12, master = "", mtu = 0, state = "")}`
	if render(got) != want {
		t.Errorf("parse_ip_links\n got %s\nwant %s", render(got), want)
	}
}

func TestParseRoutes(t *testing.T) {
	lib := loadLib(t)
	for _, tt := range []struct{ fn, in, want string }{
		{"parse_route_get", "10.10.51.5 dev bond51 src 10.10.51.11 uid 0 \n    cache ",
			`struct(dev = "bond51", dst = "10.10.51.5", flags = [], src = "10.10.51.11", type = "unicast", via = "")`},
		{"parse_route_get", "10.20.3.4 via 10.10.52.1 dev xenbr1 src 10.10.52.11 \n    cache ",
			`struct(dev = "xenbr1", dst = "10.20.3.4", flags = [], src = "10.10.52.11", type = "unicast", via = "10.10.52.1")`},
		{"parse_route_get", "local 10.10.51.11 dev lo src 10.10.51.11 uid 0 \n    cache <local> ",
			`struct(dev = "lo", dst = "10.10.51.11", flags = [], src = "10.10.51.11", type = "local", via = "")`},
		{"parse_route_get", "", "None"},
		{"parse_routes", "default via 192.168.10.1 dev xenbr0 \n10.10.51.0/24 dev bond51 proto kernel scope link src 10.10.51.11 linkdown \n10.20.0.0/16 via 10.10.52.1 dev xenbr1 metric 10 \n    nexthop via 1.2.3.4 dev eth0 weight 1",
			`[struct(dev = "xenbr0", dst = "default", flags = [], src = "", type = "unicast", via = "192.168.10.1"), ` +
				`struct(dev = "bond51", dst = "10.10.51.0/24", flags = ["linkdown"], src = "10.10.51.11", type = "unicast", via = ""), ` +
				`struct(dev = "xenbr1", dst = "10.20.0.0/16", flags = [], src = "", type = "unicast", via = "10.10.52.1")]`},
	} {
		got, err := call(t, lib, tt.fn, str(tt.in))
		if err != nil {
			t.Errorf("%s(%q): %v", tt.fn, tt.in, err)
			continue
		}
		if render(got) != tt.want {
			t.Errorf("%s(%q)\n got %s\nwant %s", tt.fn, tt.in, render(got), tt.want)
		}
	}
}

func TestParseStaticRoutes(t *testing.T) {
	lib := loadLib(t)
	for _, tt := range []struct{ in, want string }{
		{"", "[]"},
		{"10.20.0.0/16/10.10.52.1", `[struct(gateway = "10.10.52.1", prefix = 16, subnet = "10.20.0.0")]`},
		{"10.20.0.0/16/10.10.52.1,10.30.1.0/24/10.10.52.254", `[struct(gateway = "10.10.52.1", prefix = 16, subnet = "10.20.0.0"), struct(gateway = "10.10.52.254", prefix = 24, subnet = "10.30.1.0")]`},
		// One bad entry and xapi ignores them all.
		{"10.20.0.0/16/10.10.52.1,10.40.0.0/x/10.10.52.1", "None"},
		{"10.20.0.0/33/10.10.52.1", "None"},
		{"10.20.0.0/16", "None"},
		{"10.20.0.0/16/10.10.52.1,", "None"},
		{" 10.20.0.0/16/10.10.52.1", "None"},
	} {
		got, err := call(t, lib, "parse_static_routes", str(tt.in))
		if err != nil {
			t.Errorf("parse_static_routes(%q): %v", tt.in, err)
			continue
		}
		if render(got) != tt.want {
			t.Errorf("parse_static_routes(%q)\n got %s\nwant %s", tt.in, render(got), tt.want)
		}
		if got != starlark.None {
			back, err := call(t, lib, "render_static_routes", got)
			if err != nil || string(back.(starlark.String)) != tt.in {
				t.Errorf("render_static_routes(parse_static_routes(%q)) = %v, %v", tt.in, back, err)
			}
		}
	}
}

func TestParseLocalDB(t *testing.T) {
	lib := loadLib(t)
	for _, tt := range []struct{ in, want string }{
		{"", "{}"},
		{`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<config><row key="redo_log.enabled" value="true"/><row key="ha.armed" value="false"/></config>`,
			`{"redo_log.enabled": "true", "ha.armed": "false"}`},
		{`<config><row value='a &amp; b' key='k'/><row key="broken/></config>`, `{"k": "a & b"}`},
	} {
		got, err := call(t, lib, "parse_local_db", str(tt.in))
		if err != nil {
			t.Errorf("parse_local_db(%q): %v", tt.in, err)
			continue
		}
		if render(got) != tt.want {
			t.Errorf("parse_local_db(%q)\n got %s\nwant %s", tt.in, render(got), tt.want)
		}
	}
}

func TestXeSet(t *testing.T) {
	lib := loadLib(t)
	for _, tt := range []struct {
		in   starlark.Value
		want string
	}{
		{str(""), "[]"},
		{str("<not in database>"), "[]"},
		{str("a; b"), `["a", "b"]`},
		{starlark.NewList([]starlark.Value{str("a"), str("")}), `["a"]`},
	} {
		got, err := call(t, lib, "xe_set", tt.in)
		if err != nil || render(got) != tt.want {
			t.Errorf("xe_set(%s) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// The parsers read what programs print on a host we do not control: for
// any text they succeed (never a Starlark error), and what they return
// comes from the text.

func FuzzParseIPAddrs(f *testing.F) {
	f.Add("10: bond51    inet 10.10.51.11/24 brd 10.10.51.255 scope global bond51\\       valid_lft forever preferred_lft forever")
	f.Add("1: lo    inet 127.0.0.1/8 scope host lo\n2: x inet 1.2.3.4/99")
	lib := loadLib(f)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := call(t, lib, "parse_ip_addrs", str(in))
		if err != nil {
			t.Fatalf("parse_ip_addrs(%q): %v", in, err)
		}
		for v := range got.(*starlark.List).Elements() {
			a, _ := v.(*starlarkstruct.Struct).Attr("address")
			if !strings.Contains(in, string(a.(starlark.String))) {
				t.Fatalf("parse_ip_addrs(%q): address %s is not in the text", in, a)
			}
		}
	})
}

func FuzzParseIPLinks(f *testing.F) {
	f.Add("10: bond51: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP mode DEFAULT\\    link/ether 00:1b:21:03:9b:c0 brd ff:ff:ff:ff:ff:ff")
	lib := loadLib(f)
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := call(t, lib, "parse_ip_links", str(in)); err != nil {
			t.Fatalf("parse_ip_links(%q): %v", in, err)
		}
	})
}

func FuzzParseRoutes(f *testing.F) {
	f.Add("10.20.3.4 via 10.10.52.1 dev xenbr1 src 10.10.52.11 \n    cache ")
	f.Add("local 10.10.51.11 dev lo")
	lib := loadLib(f)
	f.Fuzz(func(t *testing.T, in string) {
		for _, fn := range []string{"parse_route_get", "parse_routes"} {
			if _, err := call(t, lib, fn, str(in)); err != nil {
				t.Fatalf("%s(%q): %v", fn, in, err)
			}
		}
	})
}

// FuzzParseStaticRoutes: what parses renders back to text that parses to
// the same routes.
func FuzzParseStaticRoutes(f *testing.F) {
	f.Add("10.20.0.0/16/10.10.52.1,10.30.1.0/24/10.10.52.254")
	f.Add("10.20.0.0/016/10.10.52.1")
	lib := loadLib(f)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := call(t, lib, "parse_static_routes", str(in))
		if err != nil {
			t.Fatalf("parse_static_routes(%q): %v", in, err)
		}
		if got == starlark.None {
			return
		}
		text, err := call(t, lib, "render_static_routes", got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := call(t, lib, "parse_static_routes", text)
		if err != nil || render(again) != render(got) {
			t.Fatalf("parse_static_routes(%q) = %s, rendered %s, parsed again %v, %v", in, render(got), text, again, err)
		}
	})
}

func FuzzParseLocalDB(f *testing.F) {
	f.Add(`<config><row key="redo_log.enabled" value="true"/></config>`)
	lib := loadLib(f)
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := call(t, lib, "parse_local_db", str(in)); err != nil {
			t.Fatalf("parse_local_db(%q): %v", in, err)
		}
	})
}
