package dev

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// saveGob encodes a device's State struct.
func saveGob(name string, v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("%s: save state: %w", name, err)
	}
	return buf.Bytes(), nil
}

// loadGob decodes a device's State struct.
func loadGob(name string, b []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return fmt.Errorf("%s: load state: %w", name, err)
	}
	return nil
}
