package sim

import (
	"encoding/json"
	"fmt"
)

// Snapshot returns the canonical dump of the simulated host in root: the
// pool, hosts, networks, PIFs, bonds, VMs, the local kernel and the boot
// id and count, as indented JSON. It leaves out how the host was driven
// (the call counter and log, armed faults, the xapi start-up countdown),
// so two runs that did the same things give the same bytes.
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
