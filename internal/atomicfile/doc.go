// Package atomicfile replaces files so that a reader, or a process started
// after a crash, sees either the old content or the new content, never a
// mix or a truncated file.
//
// It writes to a temporary file in the destination directory, fsyncs it,
// renames it over the destination and fsyncs the directory, so the rename
// itself survives a power loss. The temporary file is removed on any error.
//
// It is not responsible for serialising writers: two processes replacing
// the same file concurrently each produce a complete file and the last
// rename wins. Callers that need mutual exclusion take a lock first
// (see internal/flock). It does not create missing parent directories.
package atomicfile
