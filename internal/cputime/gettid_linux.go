package cputime

import "syscall"

func gettid() int { return syscall.Gettid() }
