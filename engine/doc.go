// Package engine runs runbooks: Starlark scripts whose host-facing calls
// are steps, each journaled on disk before and after it acts, so that a
// run survives a crash, a kill or a reboot and resumes exactly where it
// stopped.
//
// A run starts with [Engine.Run]: the runbook (from [Open]) and every file
// it loads are pinned into a new run directory under the state dir, the
// parameters are checked all at once ([Resolve]), and the journal
// (package internal/journal: append-only JSON lines, each checksummed and
// chained to the one before) gets a header recording the parameters and
// the options. The runbook then executes top to bottom.
// Each step(name, fn, ...) — and each host builtin called outside a step
// — appends a "started" record, fsynced, before it acts, and a
// "completed" record with its result (or "failed") after.
//
// [Engine.Resume] executes the pinned runbook again from the top. Steps
// the journal completed are not run: they return their recorded results
// (see [DecodeValue]). The step that was in progress at the crash runs
// again from its start, and from there on execution is live. If the
// runbook asks for a different step than the journal holds at some
// position, the resume stops before doing anything live
// ([DivergenceError]).
//
// reboot_and_resume is the durable reboot: it journals the boot id,
// installs a systemd boot hook that runs `runbook resume`, runs the reboot
// program and ends the process; the step completes on resume only if the
// boot id changed. After a new boot the engine waits for xapi before its
// first live step.
//
// One run at a time holds a state dir (an flock naming its holder); an
// unfinished run blocks new ones until it is resumed or aborted
// ([Engine.Abort]). One unfinished run at a time holds the host: a
// [Claim] in ROOT/var/lib/runbook/claim, from the run's start to its end,
// refuses runs of other state dirs. Every program a run starts is
// journaled before the engine waits for it, so that a later process
// waits for one a killed engine left running; a mutating program cut off
// after it started leaves its step in doubt. A state dir, or a file the
// engine reads in it, that is not the user's alone is refused
// ([UntrustedError]). Secret parameters are never journaled: their
// values stay in the run directory's secrets file until the run ends,
// and are masked wherever they surface. [Engine.Status] derives a run's
// state from its journal, read as a stream; its JSON form is a stable
// interface.
package engine
