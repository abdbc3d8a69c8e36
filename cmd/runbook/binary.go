package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// selfBinary is the path the boot hook runs: os.Args[0] as invoked, made
// absolute (looked up in PATH when it has no slash), never resolved
// through symbolic links, so that a hook written by /usr/local/bin/runbook
// runs /usr/local/bin/runbook, and one written under testscript runs the
// link testscript puts on PATH (which dispatches on its name). When that
// fails, os.Executable().
func selfBinary() string {
	arg0 := os.Args[0]
	if strings.Contains(arg0, "/") {
		if abs, err := filepath.Abs(arg0); err == nil {
			return abs
		}
	} else if p, err := exec.LookPath(arg0); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	bin, _ := os.Executable()
	return bin
}
