package sim

import "strings"

// HA and the redo log as flags of the pool (xapi_pool.ml, xapi_ha.ml).
// The simulated pool has no storage, so the heartbeat and redo-log SRs
// are recorded as given, not checked. With either on, xapi refuses to
// reconfigure an attached PIF (xapi_pif.ml assert_no_protection_enabled).

func poolHAEnable(x *xeCall) error {
	if x.m.Pool.HAEnabled {
		return apiErr("HA_IS_ENABLED")
	}
	var srs []string
	if v, ok := x.param("heartbeat-sr-uuids"); ok {
		srs = strings.Split(v, ",")
	}
	x.m.Pool.HAEnabled, x.m.Pool.HASRs = true, srs
	return nil
}

func poolHADisable(x *xeCall) error {
	if !x.m.Pool.HAEnabled {
		return apiErr("HA_NOT_ENABLED")
	}
	x.m.Pool.HAEnabled, x.m.Pool.HASRs = false, nil
	return nil
}

func poolEnableRedoLog(x *xeCall) error {
	sr, _ := x.param("sr-uuid")
	x.m.Pool.RedoLog, x.m.Pool.RedoLogSR = true, sr
	return x.p.setLocalDBKey("redo_log.enabled", "true")
}

func poolDisableRedoLog(x *xeCall) error {
	x.m.Pool.RedoLog, x.m.Pool.RedoLogSR = false, ""
	return x.p.setLocalDBKey("redo_log.enabled", "false")
}

// assertNoProtection refuses to change an attached PIF while HA or the
// redo log is on.
func (m *model) assertNoProtection(p *pifRec) error {
	switch {
	case !p.Attached:
		return nil
	case m.Pool.HAEnabled:
		return apiErr("HA_IS_ENABLED")
	case m.Pool.RedoLog:
		return apiErr("REDO_LOG_IS_ENABLED")
	}
	return nil
}
