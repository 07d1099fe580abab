package mmu

// CodeInvalidator returns the function set by SetCodeInvalidator (nil if
// none), so that a host observer can chain onto it: the observer installs a
// function that calls the previous one and then looks at the page itself.
// Every write to a page carrying a code mark, from any path, reaches the
// invalidator after the bytes are written, which makes MarkCode usable as a
// page-granular write watch (the scenario runner's attribution of writes to
// PatchGuard-protected regions relies on this).
func (m *MMU) CodeInvalidator() func(pfn, off, n uint64) bool { return m.invalidate }
