package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(rev, modified string) []debug.BuildSetting {
		s := []debug.BuildSetting{{Key: "vcs", Value: "git"}}
		if rev != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.revision", Value: rev})
		}
		if modified != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return s
	}
	tests := []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"nothing known", "", nil, "(devel)"},
		{"devel, no vcs", "(devel)", nil, "(devel)"},
		{"release", "v1.2.3", nil, "v1.2.3"},
		{"devel with a revision", "(devel)", vcs(rev, "false"), "(devel) 0123456789ab"},
		{"devel, dirty", "", vcs(rev, "true"), "(devel) 0123456789ab+dirty"},
		{"release with its revision", "v1.2.3", vcs(rev, "false"), "v1.2.3 0123456789ab"},
		{"pseudo-version carries the revision", "v0.0.0-20260101120000-0123456789ab", vcs(rev, "false"), "v0.0.0-20260101120000-0123456789ab"},
		{"pseudo-version, dirty, as Go stamps it", "v0.0.0-20260101120000-0123456789ab+dirty", vcs(rev, "true"), "v0.0.0-20260101120000-0123456789ab+dirty"},
		{"pseudo-version, dirty, not stamped", "v0.0.0-20260101120000-0123456789ab", vcs(rev, "true"), "v0.0.0-20260101120000-0123456789ab+dirty"},
		{"modified without a revision says nothing", "(devel)", vcs("", "true"), "(devel)"},
		{"a short revision", "(devel)", vcs("abc123", ""), "(devel) abc123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/runbook-dev/runbook", Version: tt.version}, Settings: tt.settings}
			if got := fromBuildInfo(bi); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The test binary has build information; String never returns "".
func TestString(t *testing.T) {
	if got := String(); got == "" {
		t.Error("got an empty version")
	}
	if got := Go(); got == "unknown" {
		t.Error("got no Go version from the test binary's build information")
	}
}
