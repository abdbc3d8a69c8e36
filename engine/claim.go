package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/runbook-dev/runbook/internal/atomicfile"
)

// The host-wide claim. The lock is per state dir, the host is one: a run
// claims the host, in ROOT/var/lib/runbook/claim, from its start until
// it ends (succeeded, aborted, or failed without changing the host),
// across process exits and reboots. A run or resume from another state
// dir is refused while the claim names an unfinished run. claim.lock
// beside it serialises the check and the update.
const (
	claimDir  = "var/lib/runbook"
	claimName = "claim"
)

// Claim is the content of the claim file: who holds the host.
type Claim struct {
	StateDir string `json:"state_dir"`
	Run      string `json:"run"`
	Runbook  string `json:"runbook"`
	Time     string `json:"time"`
}

// ClaimPath returns where the claim of the host under root lives.
func ClaimPath(root string) string {
	return filepath.Join(root, claimDir, claimName)
}

// claimLock takes claim.lock, waiting a little for a holder (the section
// it guards is short).
func claimLock(root string) (*flock.Flock, error) {
	dir := filepath.Join(root, claimDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &StateError{Err: fmt.Errorf("host claim: %w", err)}
	}
	p := filepath.Join(dir, claimName+".lock")
	if err := checkTrusted(p, false); err != nil {
		return nil, err
	}
	fl := flock.New(p, flock.SetPermissions(0o600))
	for i := 0; ; i++ {
		ok, err := fl.TryLock()
		if err != nil {
			return nil, &StateError{Err: fmt.Errorf("host claim: %w", err)}
		}
		if ok {
			return fl, nil
		}
		if i >= 500 {
			return nil, &StateError{Err: fmt.Errorf("host claim: %s stayed locked for 10s", p)}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readClaim(root string) (*Claim, error) {
	p := ClaimPath(root)
	if err := checkTrusted(p, false); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(b) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, &StateError{Err: fmt.Errorf("host claim: %w", err)}
	}
	var c Claim
	if err := json.Unmarshal(b, &c); err != nil || c.StateDir == "" {
		// A claim torn by a crash names nobody.
		return nil, nil
	}
	return &c, nil
}

// otherClaim returns the claim of the host by an unfinished run of
// another state dir, nil if the host is free for stateDir. A claim whose
// run has ended, or whose state dir or run is gone, is stale. A claim
// whose run cannot be read is taken as unfinished: it is not ours to
// judge.
func (e *Engine) otherClaim(root, stateDir string) (*Claim, error) {
	c, err := readClaim(root)
	if err != nil || c == nil || c.StateDir == stateDir {
		return nil, err
	}
	if _, err := os.Stat(c.StateDir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	dir := runDirOf(c.StateDir, c.Run)
	if _, err := os.Stat(filepath.Join(dir, journalName)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err := checkRunDir(dir); err != nil {
		return c, nil
	}
	st, err := scanStatus(dir, func() *Holder { return liveHolder(c.StateDir) }, nil)
	if err != nil || st == nil {
		return c, nil
	}
	if st.blocks() {
		return c, nil
	}
	return nil, nil
}

// writeClaim makes the claim name stateDir's run, durably.
func (e *Engine) writeClaim(root string, c Claim) error {
	b, _ := json.Marshal(c)
	if err := atomicfile.Write(ClaimPath(root), append(b, '\n'), 0o600, atomicfile.WriteFunc(e.WriteHook)); err != nil {
		return &StateError{Err: fmt.Errorf("host claim: %w", err)}
	}
	return nil
}

// releaseClaim removes the claim if it names stateDir; a claim of
// another state dir is never touched.
func releaseClaim(root, stateDir string) error {
	fl, err := claimLock(root)
	if err != nil {
		return err
	}
	defer fl.Unlock()
	c, err := readClaim(root)
	if err != nil || c == nil || c.StateDir != stateDir {
		return err
	}
	if err := os.Remove(ClaimPath(root)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &StateError{Err: fmt.Errorf("host claim: %w", err)}
	}
	return syncDir(filepath.Join(root, claimDir))
}
