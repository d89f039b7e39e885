package atomicfile

// syncDir is a no-op: Windows cannot open a directory for FlushFileBuffers
// without backup privileges, and MoveFileEx's rename is journaled by NTFS.
func syncDir(string) error { return nil }
