package main

import "testing"

func TestNearest(t *testing.T) {
	commands := []string{"run", "resume", "status", "abort", "list", "show", "check", "export", "simulate", "sim", "help", "version", "completion"}
	flags := []string{"param", "params-file", "dry-run", "max-steps", "state-dir", "root", "no-color"}
	for _, tc := range []struct {
		s    string
		from []string
		want string
	}{
		{"staus", commands, "status"},
		{"stat", commands, "status"}, // a prefix of 3 or more
		{"rn", commands, "run"},
		{"simulat", commands, "simulate"},
		{"expotr", commands, "export"},
		{"frobnicate", commands, ""},
		{"x", commands, ""},
		{"dryrun", flags, "dry-run"},
		{"param-file", flags, "params-file"},
		{"statedir", flags, "state-dir"},
		{"nocolor", flags, "no-color"},
		{"zzzz", flags, ""},
	} {
		if got := nearest(tc.s, tc.from); got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
