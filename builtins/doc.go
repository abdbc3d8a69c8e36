// Package builtins holds the host-facing functions of the runbook
// language and the small interface they reach the machine through.
//
// Every builtin acts on the host only through a [Host]: exec a program
// with an argument list (never a shell), and read, write, link and remove
// files under a root. [OSHost] is the real host; package sim provides the
// simulated one. The engine builds an [Env] per run, wraps each [Func] so
// that a call outside a step is a step of its own, and receives what the
// builtins do through [Effects] (changed the host, would change it in a
// dry run, the previous content of a replaced file).
//
// The builtins (signatures and full documentation in docs/builtins.md):
//
//	xe(command, *args, minimal=False, check=True, read_only=None, timeout=None, **params)
//	run(program, *args, check=True, read_only=False, timeout=None, stdin=None)
//	which(program)
//	read_file(path, default=<error>)
//	exists(path)
//	file_write(path, content, mode=0o644)
//	remove_file(path)
//	symlink(target, path)
//	ifup(device, timeout=None)
//	bonding_status(bond, wait=0)
//
// The package also parses what those programs print: xe records and
// --minimal lists ([ParseRecords], [ParseMinimal]) and the bonding
// driver's /proc file ([ParseBonding]).
package builtins
