// Command runbook runs Starlark runbooks on XenServer / XCP-ng hosts,
// journaling every step so that a run survives a crash or a reboot.
//
// Invoked as xe, ifup, reboot or xe-switch-network-backend (through the
// links `runbook sim init` makes), it is that program of the simulated
// host instead; invoked as a program a `runbook test` scenario stubbed,
// it is that stub.
package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/runbook-dev/runbook/engine"
	"github.com/runbook-dev/runbook/sim"
	"github.com/runbook-dev/runbook/sitetest"
)

func main() {
	if sim.IsProgram(filepath.Base(os.Args[0])) {
		os.Exit(sim.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	if code, ok := sitetest.StubMain(os.Args, os.Getenv, os.Stdout, os.Stderr); ok {
		os.Exit(code) // a program stubbed by a runbook test scenario
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Reset(os.Interrupt, syscall.SIGTERM) // a second signal kills
		name := "SIGINT"
		if s == syscall.SIGTERM {
			name = "SIGTERM"
		}
		cancel(&engine.SignalCause{Signal: name})
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
