package builtins

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A program's output is kept up to MaxOutput per stream; the rest is
// read and dropped, and the result says so.
func TestExecOutputCap(t *testing.T) {
	h, err := NewOSHost("/")
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.Exec(context.Background(), Command{Path: "head", Args: []string{"-c", "33554500", "/dev/zero"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Overflow || len(res.Stdout) != MaxOutput {
		t.Errorf("overflow %v, kept %d bytes, want true and %d", res.Overflow, len(res.Stdout), MaxOutput)
	}
}

// A program that does not finish on its own is cut off: its error
// matches ErrCutOff and names the signal by its name.
func TestExecCutOff(t *testing.T) {
	h, _ := NewOSHost("/")
	var pid int
	_, err := h.Exec(context.Background(), Command{Path: "sleep", Args: []string{"5"}, Timeout: 100 * time.Millisecond, Started: func(p int) { pid = p }})
	if !errors.Is(err, ErrCutOff) || !strings.Contains(err.Error(), "no answer within 100ms") || pid == 0 {
		t.Errorf("timeout: got %v (pid %d)", err, pid)
	}
	_, err = h.Exec(context.Background(), Command{Path: "sh", Args: []string{"-c", "kill -KILL $$"}})
	if !errors.Is(err, ErrCutOff) || !strings.Contains(err.Error(), "killed by signal SIGKILL") {
		t.Errorf("signal: got %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"host-list -pw s1 -pwf /f password=s2 passwordfile=/p", "host-list -pw <redacted> -pwf <redacted> password=<redacted> passwordfile=<redacted>"},
		{"pool-join master-address=a master-username=root master-password=s3", "pool-join master-address=a master-username=root master-password=<redacted>"},
		{"sr-create device-config:password=s4 device-config:chappassword=s5 name-label=x", "sr-create device-config:password=<redacted> device-config:chappassword=<redacted> name-label=x"},
		{"user-password-change old=s6 new=s7", "user-password-change old=<redacted> new=<redacted>"},
		{"secret-create value=s8", "secret-create value=<redacted>"},
		{"vm-param-set uuid=u other-config:value=v", "vm-param-set uuid=u other-config:value=v"},
	}
	for _, tt := range tests {
		if got := strings.Join(Redact(strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("Redact(%s):\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	if got := maskValues("Authentication failed for s1 (s2)", credentialValues([]string{"host-list", "-pw", "s1", "password=s2"})); got != "Authentication failed for <redacted> (<redacted>)" {
		t.Errorf("mask: got %q", got)
	}
}
