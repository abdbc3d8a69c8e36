package sim

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseXeArgs(t *testing.T) {
	tests := []struct {
		args string
		want xeArgs
	}{
		{"", xeArgs{usage: true}},
		{"--help", xeArgs{usage: true}},
		{"pif-list -help", xeArgs{usage: true}},
		{"-version", xeArgs{version: true}},
		{"pif-list", xeArgs{cmd: "pif-list"}},
		{"pif-list host-uuid=H device=eth2", xeArgs{cmd: "pif-list", params: []kv{{"host-uuid", "H"}, {"device", "eth2"}}}},
		// only the first = splits.
		{"pif-param-set other-config:x=a=b", xeArgs{cmd: "pif-param-set", params: []kv{{"other-config:x", "a=b"}}}},
		// a bare word is a parameter with an empty value.
		{"help pif-list", xeArgs{cmd: "help", params: []kv{{"pif-list", ""}}}},
		{"pif-list IP=", xeArgs{cmd: "pif-list", params: []kv{{"IP", ""}}}},
		{"pif-list --minimal --all", xeArgs{cmd: "pif-list", params: []kv{{"minimal", "true"}, {"all", "true"}}}},
		// connection options go, wherever they are.
		{"-s host -u root -pw x -pwf f -p 443 -h h pif-list --nossl --debug uuid=U server=s password=p",
			xeArgs{cmd: "pif-list", params: []kv{{"uuid", "U"}}}},
		{"pif-list username=root port=80 passwordfile=f nossl=true debug=true debugonfail=true traceparent=t --traceparent t2 --debug-on-fail",
			xeArgs{cmd: "pif-list"}},
		{"-s host", xeArgs{usage: true}},
		// parse errors.
		{"pif-list -x", xeArgs{cmd: "pif-list", syntaxErr: true}},
		{"pif-list uuid=-1 -1", xeArgs{cmd: "pif-list", params: []kv{{"uuid", "-1"}}, syntaxErr: true}},
		{"uuid=1", xeArgs{cmd: "uuid=1", syntaxErr: true}},
		{"pif-list -s", xeArgs{cmd: "pif-list", syntaxErr: true}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := parseXeArgs(strings.Fields(tt.args))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAPIErr(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{uuidInvalid("PIF", "1234"), "The uuid you supplied was invalid.\ntype: PIF\nuuid: 1234"},
		{apiErr("PIF_IS_MANAGEMENT_IFACE", "u"), "The operation you requested cannot be performed because the specified PIF is the management interface.\nPIF: u"},
		{apiErr("PIF_CANNOT_BOND_CROSS_HOST"), "You cannot bond interfaces across different servers."},
		{apiErr("INVALID_IP_ADDRESS_SPECIFIED", "netmask"), "A required parameter contained an invalid IP address\nparameter: netmask"},
		{apiErr("Missing parameter", "bogus"), "Error code: Missing parameter\nError parameters: bogus"},
		{apiErr("SR_BACKEND_FAILURE_46", "", "The VDI is not available", ""), "Error code: SR_BACKEND_FAILURE_46\nError parameters: , The VDI is not available, "},
		{paramErr("Syntax error", ""), "Syntax error: \nFor usage run: 'xe help'"},
		{cliErr("Unknown field '%s'", "x"), "Error: Unknown field 'x'"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestBoolParam(t *testing.T) {
	for _, v := range []string{"true", "t", "yes", "y", "1", "TRUE"} {
		x := &xeCall{params: []kv{{"multiple", v}}}
		if got, err := x.boolParam("multiple"); !got || err != nil {
			t.Errorf("%s: got %v, %v, want true", v, got, err)
		}
	}
	for _, v := range []string{"false", "f", "no", "n", "0"} {
		x := &xeCall{params: []kv{{"multiple", v}}}
		if got, err := x.boolParam("multiple"); got || err != nil {
			t.Errorf("%s: got %v, %v, want false", v, got, err)
		}
	}
	x := &xeCall{params: []kv{{"multiple", "maybe"}}}
	_, err := x.boolParam("multiple")
	want := "Error: Failed to parse parameter 'multiple': Expected 'true','t','yes','y','1','false','f','no','n','0' got maybe"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
