package hostio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ReadFile reads a file of at most limit bytes. A regular file's size is
// checked before anything is read; anything else (a pipe, a device such as
// /dev/zero) is read up to limit bytes and refused when more follow. what
// names the file's role in the error ("--kernel"), why says what the
// limit is, with its size ("the guest's 128 MiB of RAM").
func ReadFile(path string, limit uint64, what, why string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s %s: is a directory", what, path)
	}
	if st.Mode().IsRegular() {
		if uint64(st.Size()) > limit {
			return nil, fmt.Errorf("%s %s: %s, larger than %s; refused before reading it",
				what, path, FormatSize(uint64(st.Size())), why)
		}
		b := make([]byte, st.Size())
		if _, err := io.ReadFull(f, b); err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, path, err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if uint64(len(b)) > limit {
		return nil, fmt.Errorf("%s %s: more than %s, larger than %s; refused after reading that much", what, path, FormatSize(limit), why)
	}
	return b, nil
}

// FormatSize renders a byte count: "128 MiB", "2 GiB", "1.5 KiB", "17 bytes".
func FormatSize(n uint64) string {
	units := []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}
	for _, u := range units {
		if n >= 1<<u.shift {
			if n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s", n>>u.shift, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(uint64(1)<<u.shift), u.name)
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseSize reads a size: a number with an optional suffix K, M, G or T
// (powers of 1024, "KiB" and "MB" spellings too); a plain number is in
// units of unit bytes (1 for byte counts, 1<<20 where MiB is the custom).
func ParseSize(s string, unit uint64) (uint64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimSuffix(t, "iB"), "B")
	mult := unit
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K', 'k':
			mult, t = 1<<10, t[:n-1]
		case 'M', 'm':
			mult, t = 1<<20, t[:n-1]
		case 'G', 'g':
			mult, t = 1<<30, t[:n-1]
		case 'T', 't':
			mult, t = 1<<40, t[:n-1]
		}
	}
	v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q (want e.g. 256M or 1G)", s)
	}
	if v > (1<<62)/mult {
		return 0, errors.New("size " + strconv.Quote(s) + " too large")
	}
	return v * mult, nil
}
