//go:build !(linux && amd64)

package native

// Available reports ErrUnavailable: only linux/amd64 hosts run snippets.
func Available() error { return ErrUnavailable }

// Run reports ErrUnavailable.
func Run(code []byte, in, out *State) error { return ErrUnavailable }

// Retries is 0: nothing runs.
func Retries() uint64 { return 0 }
