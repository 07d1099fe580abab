package main

import (
	"io"
	"os"
	"sync"
)

// stdoutWriter is standard output as the commands write it: it keeps the
// first write error, so that output lost to a full disk or a closed pipe
// (help, --version, a debugger transcript, a disassembly) ends in a
// message and a non-zero status instead of a silent exit 0.
type stdoutWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (s *stdoutWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return n, err
}

// failed returns the first write error.
func (s *stdoutWriter) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// stdout is the process's standard output; run sets it up for each
// command line.
var stdout = &stdoutWriter{w: os.Stdout}
