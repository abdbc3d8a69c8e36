package main

import "testing"

func TestTemporaryDir(t *testing.T) {
	env := map[string]string{"TMPDIR": "/scratch", "GOCACHE": "/home/ops/.cache/go-build"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct{ bin, want string }{
		{"/usr/local/bin/runbook", ""},
		{"/opt/runbook/runbook", ""},
		{"/tmp/go-build1234/b001/exe/runbook", "/tmp"},
		{"/var/tmp/runbook", "/var/tmp"},
		{"/scratch/go-build99/b001/exe/runbook", "/scratch"},
		{"/home/ops/.cache/go-build/ab/abcdef-d/runbook", "/home/ops/.cache/go-build"},
		{"/srv/cache/go-build/ab/abcdef-d/runbook", "a Go build directory (go-build)"},
		{"/tmpfoo/runbook", ""},
		{"", ""},
	} {
		if got := temporaryDir(tc.bin, getenv); got != tc.want {
			t.Errorf("temporaryDir(%q) = %q, want %q", tc.bin, got, tc.want)
		}
	}
}

func TestCanReboot(t *testing.T) {
	if !canReboot(map[string][]byte{"a.star": []byte("x = 1\n"), "lib/b.star": []byte(`reboot_and_resume("r")`)}) {
		t.Error("a library file that reboots: want true")
	}
	if canReboot(map[string][]byte{"a.star": []byte("xe(\"host-list\")\n")}) {
		t.Error("no reboot: want false")
	}
}
