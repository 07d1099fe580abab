//go:build !linux

package cputime

func gettid() int { return 0 }
