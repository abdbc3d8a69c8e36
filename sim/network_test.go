package sim

import (
	"path/filepath"
	"strings"
	"testing"
)

// netRoot is a host with bond51 up on eth2 and eth3 (10.10.51.11/24,
// MTU from mtu) and a filer at 10.10.51.5.
func netRoot(t *testing.T, mtu string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "h")
	if err := Init(root, InitOptions{Seed: 1, XapiDelay: NoXapiDelay, Filers: []string{"10.10.51.5"}}); err != nil {
		t.Fatal(err)
	}
	for _, dev := range []string{"eth2", "eth3"} {
		mustRun(t, root, "xe", "pif-forget", "uuid="+pifOf(t, root, "xen01", dev))
		writeFile(t, filepath.Join(root, networkScripts, "ifcfg-"+dev), "DEVICE="+dev+"\nMASTER=bond51\nSLAVE=yes\n")
	}
	writeFile(t, filepath.Join(root, networkScripts, "ifcfg-bond51"), "DEVICE=bond51\nIPADDR=10.10.51.11\nPREFIX=24\nMTU="+mtu+"\nBONDING_OPTS='mode=1 miimon=100'\n")
	mustRun(t, root, "ifup", "bond51")
	return root
}

func TestPing(t *testing.T) {
	tests := []struct {
		name, mtu string
		args      []string
		down      []string // NICs whose cable is pulled
		code      int
		out, err  string
	}{
		{"jumbo fits", "9000", []string{"-c", "1", "-M", "do", "-s", "8972", "10.10.51.5"}, nil, 0, "8980 bytes from 10.10.51.5: icmp_seq=1", ""},
		{"jumbo too big with DF", "1500", []string{"-c", "1", "-M", "do", "-s", "8972", "10.10.51.5"}, nil, 1, "+1 errors, 100% packet loss", "ping: local error: Message too long, mtu=1500\n"},
		{"fragments without DF", "1500", []string{"-c", "1", "-s", "8972", "10.10.51.5"}, nil, 0, "1 received, 0% packet loss", ""},
		{"one cable left", "1500", []string{"-c", "1", "10.10.51.5"}, []string{"eth2"}, 0, "1 received", ""},
		{"no carrier", "1500", []string{"-c", "1", "10.10.51.5"}, []string{"eth2", "eth3"}, 1, "0 received, 100% packet loss", ""},
		{"not a filer", "1500", []string{"-c", "3", "10.10.51.6"}, nil, 1, "3 packets transmitted, 0 received, 100% packet loss, time 2003ms", ""},
		{"over the management interface", "1500", []string{"-c", "1", "-I", "xenbr0", "10.10.51.5"}, nil, 1, "from 192.168.10.11 xenbr0: 56(84) bytes", ""},
		{"unknown host", "1500", []string{"filer"}, nil, 2, "", "ping: unknown host filer\n"},
		{"bad -M", "1500", []string{"-M", "sometimes", "10.10.51.5"}, nil, 2, "", "ping: wrong value for -M: do, dont, want are valid ones.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := netRoot(t, tt.mtu)
			for _, d := range tt.down {
				if code := Command([]string{"link", "--root", root, d, "down"}, func(string) string { return "" }, &strings.Builder{}, &strings.Builder{}); code != 0 {
					t.Fatal("sim link")
				}
			}
			r := run(t, root, append([]string{"ping"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.out) || r.stderr != tt.err {
				t.Errorf("ping %s: got %d\n%s%s\nwant %d, stdout with %q, stderr %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.out, tt.err)
			}
		})
	}
}

func TestRouteGet(t *testing.T) {
	root := netRoot(t, "1500")
	tests := []struct{ dst, want string }{
		{"10.10.51.5", "10.10.51.5 dev bond51 src 10.10.51.11 uid 0 \n    cache \n"},
		{"192.168.10.1", "192.168.10.1 dev xenbr0 src 192.168.10.11 uid 0 \n    cache \n"},
		{"10.20.0.1", "10.20.0.1 via 192.168.10.1 dev xenbr0 src 192.168.10.11 uid 0 \n    cache \n"},
		{"127.0.0.2", "local 127.0.0.2 dev lo src 127.0.0.2 uid 0 \n    cache <local> \n"},
	}
	for _, tt := range tests {
		if got := mustRun(t, root, "ip", "route", "get", tt.dst) + "\n"; got != tt.want {
			t.Errorf("route get %s: got %q, want %q", tt.dst, got, tt.want)
		}
	}
	// after ifdown the storage subnet is gone: the filer is routed through
	// the management default route (where it does not answer).
	mustRun(t, root, "ifdown", "bond51")
	if r := run(t, root, "ip", "route", "get", "10.10.51.5"); r.code != 0 || !strings.Contains(r.stdout, "via 192.168.10.1") {
		t.Errorf("after ifdown: %+v", r)
	}
}
