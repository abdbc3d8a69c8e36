package sim

import (
	"encoding/json"
	"fmt"
)

// Snapshot returns the canonical dump of the simulated pool of root: the
// pool, hosts, networks, PIFs, bonds, VMs and every host's dom0 (kernel,
// boot id and count, and per boot which units ran and how they ended), as
// indented JSON. It leaves out how the pool was driven (the call counter
// and log, armed faults, the xapi start-up countdown, boot watchers) and
// the journal, whose lines carry times, so two runs that did the same
// things give the same bytes.
func Snapshot(root string) ([]byte, error) {
	s, err := openStore(root)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer s.close()
	data, err := json.MarshalIndent(&s.st.Model, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return append(data, '\n'), nil
}
