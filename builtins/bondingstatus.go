package builtins

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// bondingStatusBuiltin implements bonding_status(bond, wait=0): parse
// /proc/net/bonding/<bond>; with wait=N, poll until every slave is up
// or N seconds pass, then return what was last read.
func bondingStatusBuiltin(env *Env, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var bond string
	var wait starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs("bonding_status", args, kwargs, "bond", &bond, "wait?", &wait); err != nil {
		return nil, err
	}
	if !ValidIfname(bond) {
		return nil, fmt.Errorf("bonding_status: bond %q: want a device name such as bond51", bond)
	}
	var waitFor time.Duration
	if n, ok := wait.(starlark.Int); !ok || n.Sign() != 0 {
		d, err := durationArg("bonding_status", wait)
		if err != nil {
			return nil, err
		}
		waitFor = d
	}
	path := "/proc/net/bonding/" + bond
	interval := env.PollInterval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	deadline := time.Now().Add(waitFor)
	for {
		data, err := env.Host.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("bonding_status: bond %s does not exist (no %s): bring it up first (ifup %s), and check that the bonding driver is loaded", bond, path, bond)
		}
		if err != nil {
			return nil, fmt.Errorf("bonding_status: read %s: %v", path, pathErr(err))
		}
		b, err := ParseBonding(string(data))
		if err != nil {
			return nil, fmt.Errorf("bonding_status: %s: %v", path, err)
		}
		if waitFor <= 0 || allUp(b) || !time.Now().Before(deadline) {
			env.waiting("")
			return b.Value(), nil
		}
		env.waiting(notUp(bond, b))
		select {
		case <-env.Ctx.Done():
			return nil, env.Ctx.Err()
		case <-time.After(min(interval, time.Until(deadline))):
		}
	}
}

// notUp says what a bond that is not all up waits for, for the step's
// progress: "eth3 link still down", "eth2, eth3 links still down".
func notUp(bond string, b *Bonding) string {
	var down []string
	for _, s := range b.Slaves {
		if !strings.EqualFold(s.MIIStatus, "up") {
			down = append(down, s.Name)
		}
	}
	switch {
	case len(b.Slaves) == 0:
		return bond + " has no slaves yet"
	case len(down) == 1:
		return down[0] + " link still down"
	case len(down) > 1:
		return strings.Join(down, ", ") + " links still down"
	}
	return bond + " link still down"
}

// allUp reports whether the bond and every one of its slaves (at least
// one) report MII status up.
func allUp(b *Bonding) bool {
	if len(b.Slaves) == 0 || !strings.EqualFold(b.MIIStatus, "up") {
		return false
	}
	for _, s := range b.Slaves {
		if !strings.EqualFold(s.MIIStatus, "up") {
			return false
		}
	}
	return true
}
