//go:build !(linux && amd64)

package cpu

func gsBaseZero() bool { return false }
