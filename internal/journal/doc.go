// Package journal is the durable record of a runbook run: one JSON line
// per event, appended and fsynced as the engine requires, read back for
// a resume and a status.
//
// A journal starts with a [Header] (what was run, with what parameters
// and options) followed by [Record]s: sessions, step starts, programs
// started ("child"), completions and failures, reboot intents, prints,
// backups, interruptions, program calls ("call", with their argv, exit
// status, duration and the first bytes of their output) and the run's
// end. [Create] writes the header
// durably; a [Writer] appends records; [Open] reopens a journal for
// appending after cutting a torn last line; [AppendAbort] ends a run as
// aborted however damaged its journal is.
//
// Format version 2 closes every line with a CRC-32C (Castagnoli) over
// the line's bytes before `,"crc":"`, seeded with the text of the
// previous line's checksum, so that the checksums chain as a write-ahead
// log's do: a changed byte, or a line deleted, repeated or moved, breaks
// the chain at that line. Behind the checksums, the schema of each
// version is checked strictly (see schemas and validator): known record
// types, the fields of each type in that version and no other, one
// canonical encoding, contiguous step numbers and attempts. Only a torn
// last line counts as not written. Version 1 journals (no checksums) are
// still read, strictly, and appended to in version 1. Version 3 adds the
// header's "version" (of the binary that started the run) and the
// "call" record; version 2 journals are read and appended to as before.
//
// Format version 3 adds the "repin" record: `runbook resume --reload`
// pinned the runbook again from its origin between steps; its "files"
// are the new pin, and a step left unfinished before it may start again
// as another step.
//
// [Read] reads a journal whole (a resume needs every result); a [Reader]
// reads one as a stream, in memory that does not grow with the journal
// (a status needs no result). Both report damage as an [*Error] naming
// the line, and a journal with no complete header as [ErrNoHeader].
//
// Step results are Starlark values in JSON ([AppendValue],
// [DecodeValue]); see value.go for the encoding.
//
// A new format version is added by raising Version, copying the last
// entry of schemas and adding its record types and fields (with their
// place in fields, appendRecord and decodeRecord); journals of older
// versions keep reading as they did.
package journal
