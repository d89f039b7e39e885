package procguard

// harden does nothing on Windows: handles are not inherited unless made inheritable, and
// Windows has neither /proc nor the prctl settings.
func harden() []error { return nil }
