package dev

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
)

// saveGob encodes a device's State struct.
func saveGob(name string, v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("%s: save state: %w", name, err)
	}
	return buf.Bytes(), nil
}

// loadGob decodes a device's State struct (v points to it). Gob leaves
// fields that were zero when saved out of the stream, so the struct is
// decoded into a zero value first: a field that was 0 then must be 0 now,
// whatever the device held before the load.
func loadGob(name string, b []byte, v any) error {
	fresh := reflect.New(reflect.TypeOf(v).Elem())
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(fresh.Interface()); err != nil {
		return fmt.Errorf("%s: load state: %w", name, err)
	}
	reflect.ValueOf(v).Elem().Set(fresh.Elem())
	return nil
}
