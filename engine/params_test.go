package engine

import (
	"strings"
	"testing"
	"testing/fstest"
)

func parseTestRunbook(t *testing.T, src string) *Runbook {
	t.Helper()
	rb, err := parseRunbook(fstest.MapFS{"t.star": {Data: []byte(src)}}, "t.star", "t", "test")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return rb
}

const paramsSrc = `
"""Params test."""
name = param("name", doc = "a name")
n = param("count", type = "int", default = 3)
on = param("on", type = "bool", default = False)
ifs = param("ifs", type = "list:ifname", default = ["eth2", "eth3"])
ip = param("ip", type = "ipv4", example = "10.0.0.1")
mask = param("mask", type = "netmask", default = "255.255.255.0")
net_ = param("subnet", type = "cidr", default = "10.0.0.0/24")
mode = param("mode", default = "a", choices = ["a", "b"])
gw = param("gw", type = "ipv4", default = None)
`

func TestResolveParams(t *testing.T) {
	rb := parseTestRunbook(t, paramsSrc)
	tests := []struct {
		name  string
		flags []string
		file  string
		want  string // values rendered, or the error
	}{
		{"defaults", []string{"name=x", "ip=10.1.1.1"}, "", `name=x count=3 on=false ifs=eth2,eth3 ip=10.1.1.1 mask=255.255.255.0 subnet=10.0.0.0/24 mode=a gw=`},
		{"all given", []string{"name=y", "count=7", "on=yes", "ifs=eth0, eth1", "ip=1.2.3.4", "mask=255.0.0.0", "subnet=192.168.0.0/16", "mode=b", "gw=1.2.3.1"}, "",
			`name=y count=7 on=true ifs=eth0,eth1 ip=1.2.3.4 mask=255.0.0.0 subnet=192.168.0.0/16 mode=b gw=1.2.3.1`},
		{"file then flag", []string{"count=9"}, `{"name": "f", "ip": "10.0.0.2", "count": 4, "ifs": ["eth9"], "on": true}`,
			`name=f count=9 on=true ifs=eth9 ip=10.0.0.2 mask=255.255.255.0 subnet=10.0.0.0/24 mode=a gw=`},
		{"missing required", nil, "", "t: param ip: missing; want an IPv4 address such as 10.10.51.11, e.g. --param ip=10.0.0.1\nt: param name: missing; want a string, e.g. --param name=VALUE"},
		{"every problem at once", []string{"name=a\nb", "count=x", "on=maybe", "ifs=eth0,eth0", "ip=10.0.0.256", "mask=255.0.255.0", "subnet=10.0.0.0/33", "mode=c", "cuont=1"}, "", strings.Join([]string{
			`t: param count: got "x", want an integer`,
			`t: param cuont: unknown parameter; did you mean count? (see: runbook show t)`,
			`t: param ifs: got "eth0,eth0", want distinct items ("eth0" is listed twice)`,
			`t: param ip: got "10.0.0.256", want an IPv4 address such as 10.10.51.11`,
			`t: param mask: got "255.0.255.0", want a contiguous netmask (ones then zeros) such as 255.255.255.0`,
			`t: param mode: got "c", want one of a, b`,
			`t: param name: got "a\nb", want a value without control characters (newline, NUL, tab, C1 controls, U+2028/U+2029...)`,
			`t: param on: got "maybe", want true or false`,
			`t: param subnet: got "10.0.0.0/33", want an IPv4 network such as 10.10.51.0/24`,
		}, "\n")},
		{"prefix for netmask", []string{"name=x", "ip=10.0.0.1", "mask=24"}, "", `t: param mask: got "24", want a dotted netmask such as 255.255.255.0 (for /24)`},
		{"long ifname", []string{"name=x", "ip=10.0.0.1", "ifs=eth0,abcdefghijklmnop"}, "", `t: param ifs: got "eth0,abcdefghijklmnop", want a network device name of 1-15 letters, digits, '.', '-' or '_' (e.g. eth2) (item "abcdefghijklmnop")`},
		{"NUL", []string{"name=a\x00", "ip=10.0.0.1"}, "", `t: param name: got "a\x00", want a value without control characters (newline, NUL, tab, C1 controls, U+2028/U+2029...)`},
		{"wrong JSON types", nil, `{"name": 5, "ip": "10.0.0.1", "count": "x", "ifs": "eth1", "on": 1}`, strings.Join([]string{
			`t: param count: got "x", want an integer`,
			`t: param name: got 5 (a number), want a string`,
			`t: param on: got 1 (a number), want true or false`,
		}, "\n")},
		{"bad file", []string{"name=x", "ip=10.0.0.1"}, `[1]`, "t: params file: json: cannot unmarshal array into Go value of type map[string]interface {}: want a JSON object such as {\"ip\": \"10.10.51.11\"}"},
		{"not UTF-8", []string{"name=a\xffb", "ip=10.0.0.1"}, "", `t: param name: got "a\xffb", want valid UTF-8 text (the value has bytes that are not UTF-8)`},
		{"C1 control", []string{"name=a\u0085b", "ip=10.0.0.1"}, "", `t: param name: got "a\u0085b", want a value without control characters (newline, NUL, tab, C1 controls, U+2028/U+2029...)`},
		{"line separator", nil, `{"name": "a\u2028b", "ip": "10.0.0.1"}`, `t: param name: got "a\u2028b", want a value without control characters (newline, NUL, tab, C1 controls, U+2028/U+2029...)`},
		{"file not UTF-8", nil, "{\"name\": \"a\xffb\", \"ip\": \"10.0.0.1\"}", "t: param ip: missing; want an IPv4 address such as 10.10.51.11, e.g. --param ip=10.0.0.1\nt: param name: missing; want a string, e.g. --param name=VALUE\nt: params file: byte 12 is not UTF-8: write the file in UTF-8"},
		{"duplicate key in the file", nil, `{"name": "a", "ip": "10.0.0.1", "name": "b"}`, `t: param name: given twice in the params file; keep one`},
		{"null for a required one", nil, `{"name": null, "ip": "10.0.0.1"}`, `t: param name: got null, want a string (null is allowed only for a parameter whose default is None)`},
		{"null for an optional one", nil, `{"name": "x", "ip": "10.0.0.1", "gw": null}`, `name=x count=3 on=false ifs=eth2,eth3 ip=10.0.0.1 mask=255.255.255.0 subnet=10.0.0.0/24 mode=a gw=`},
		{"not name=value", []string{"name"}, "", "t: --param \"name\": want NAME=VALUE\nt: param ip: missing; want an IPv4 address such as 10.10.51.11, e.g. --param ip=10.0.0.1\nt: param name: missing; want a string, e.g. --param name=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var file []byte
			if tt.file != "" {
				file = []byte(tt.file)
			}
			pv, err := ResolveParams(rb, tt.flags, file)
			var got string
			if err != nil {
				got = err.Error()
			} else {
				var parts []string
				for _, n := range pv.Names {
					parts = append(parts, n+"="+ParamText(pv.Values[n]))
				}
				got = strings.Join(parts, " ")
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParamDeclErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`x = param("x", type = "float")`, `t.star:1:5: param x: type "float": want one of str, int, bool, ipv4, netmask, cidr, ifname, secret, list, list:<type>`},
		{`x = param("X")`, `t.star:1:5: param: name "X": want a lower-case identifier such as link_timeout`},
		{`y = 1
x = param("x", default = y)`, `t.star:2:26: param: arguments must be constants: undefined: y`},
		{`x = param("x", type = "ipv4", default = "nope")`, `t.star:1:5: param x: default: want an IPv4 address such as 10.10.51.11`},
		{`x = param("x")
z = param("x")`, `t.star:2:5: param x: declared twice`},
	}
	for _, tt := range tests {
		_, err := parseRunbook(fstest.MapFS{"t.star": {Data: []byte(tt.src)}}, "t.star", "t", "test")
		got := "<nil>"
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// Parameter values come from the command line and files: untrusted text.
// Resolving never panics, and either succeeds with every value of its
// declared type or reports problems that each name the runbook and the
// parameter.
func FuzzResolveParams(f *testing.F) {
	rb := parseTestRunbook(&testing.T{}, paramsSrc)
	f.Add("name=x", "ip=10.0.0.1", `{"count": 4}`)
	f.Add("ifs=eth0,eth0", "mask=24", `{"ifs": ["a", 1]}`)
	f.Add("gw=", "on=maybe", `[1]`)
	f.Fuzz(func(t *testing.T, flag1, flag2, file string) {
		pv, err := ResolveParams(rb, []string{flag1, flag2}, []byte(file))
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "t: ") {
					t.Fatalf("problem line %q does not start with the runbook's name", line)
				}
			}
			return
		}
		for _, d := range rb.Params {
			v, ok := pv.Values[d.Name]
			if !ok {
				t.Fatalf("param %s has no value", d.Name)
			}
			if v == nil || (v.String() != "None" && strings.ContainsAny(ParamText(v), "\n\x00")) {
				t.Fatalf("param %s: value %v escaped validation", d.Name, v)
			}
		}
	})
}

func TestResolveSecrets(t *testing.T) {
	rb := parseTestRunbook(t, `
pw = param("pw", type = "secret", doc = "the pool password")
token = param("token", type = "secret", default = None)
user = param("user", default = "root")
`)
	tests := []struct {
		name    string
		in      ParamInput
		want    string
		secrets string
	}{
		{"given as a secret", ParamInput{Secrets: map[string]string{"pw": "s3cr3t"}}, "", "pw"},
		{"missing", ParamInput{}, "t: param pw: missing; want a secret: --secret pw=FILE (a file only you can read) or the environment variable RUNBOOK_SECRET_PW", ""},
		{"on the command line", ParamInput{Flags: []string{"pw=s3cr3t"}}, "t: param pw: a secret cannot be given with --param, where others can read it (ps, shell history, the file): give it with --secret pw=FILE (a file only you can read) or the environment variable RUNBOOK_SECRET_PW", ""},
		{"in a params file", ParamInput{File: []byte(`{"pw": "s3cr3t"}`)}, "t: param pw: a secret cannot be given in a params file, where others can read it (ps, shell history, the file): give it with --secret pw=FILE (a file only you can read) or the environment variable RUNBOOK_SECRET_PW", ""},
		{"not a secret", ParamInput{Secrets: map[string]string{"pw": "x", "user": "bob"}}, "t: param user: given as a secret (--secret or RUNBOOK_SECRET_USER), but not a secret parameter; give it with --param", ""},
		{"empty", ParamInput{Secrets: map[string]string{"pw": ""}}, "t: param pw: the secret is empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv, err := Resolve(rb, tt.in)
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("got %v, want:\n%s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(pv.SecretNames(), ","); got != tt.secrets {
				t.Errorf("secrets %q, want %q", got, tt.secrets)
			}
			if strings.Contains(string(pv.JSON()), "s3cr3t") {
				t.Errorf("the journaled parameters hold the secret: %s", pv.JSON())
			}
		})
	}
	if _, err := parseRunbook(fstest.MapFS{"t.star": {Data: []byte(`pw = param("pw", type = "secret", default = "x")`)}}, "t.star", "t", "test"); err == nil || !strings.Contains(err.Error(), "a secret cannot have a default") {
		t.Errorf("a secret with a default: got %v", err)
	}
}
