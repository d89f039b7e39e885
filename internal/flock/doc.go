// Package flock provides an exclusive, cross-process lock on a file, waited
// for under a context, that records who holds it.
//
// The lock is an advisory flock(2) on Unix and LockFileEx on Windows, so the
// operating system releases it when the holder exits, however it exits: a
// crashed or SIGKILLed argus never leaves a stale lock behind. The holder
// writes a one-line description of itself into the lock file after
// acquiring it, so a process that gives up waiting can say who is in its way.
// That record is advisory: when it cannot be written (a full disk), the lock
// is still taken and Lock.Warning says why, because on a full disk the
// commands that free space need the lock most.
//
// The lock belongs to the open file, not to the process: two Acquire calls
// in one process exclude each other just as two processes do. (Exception:
// on Linux NFS mounts flock is emulated with per-process fcntl locks; keep
// lock files on local disks.)
//
// The package is not responsible for what the lock protects, for choosing
// lock paths, or for creating the directory the lock file lives in. It never
// deletes a lock file: deleting a flock file races with a process that has
// just opened it and would let two holders in at once.
package flock
