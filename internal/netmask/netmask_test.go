package netmask

import (
	"errors"
	"fmt"
	"testing"
)

func TestBits(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  error // nil: no error
	}{
		{"255.255.255.0", 24, nil},
		{"255.255.255.255", 32, nil},
		{"0.0.0.0", 0, nil},
		{"128.0.0.0", 1, nil},
		{"255.255.252.0", 22, nil},
		{"255.255.255.254", 31, nil},
		{"255.0.255.0", 0, ErrNotContiguous},
		{"255.255.255.1", 0, ErrNotContiguous},
		{"0.0.0.255", 0, ErrNotContiguous},
		{"24", 0, ErrNotDotted},
		{"/24", 0, ErrNotDotted},
		{"", 0, ErrNotDotted},
		{"255.255.255", 0, ErrNotDotted},
		{"255.255.255.0.0", 0, ErrNotDotted},
		{"255.255.255.00", 0, ErrNotDotted},
		{"::ffff:255.255.255.0", 0, ErrNotDotted},
		{"ffff::", 0, ErrNotDotted},
	}
	for _, tt := range tests {
		got, err := Bits(tt.in)
		switch {
		case tt.err == nil && (err != nil || got != tt.want):
			t.Errorf("Bits(%q): got %d, %v, want %d", tt.in, got, err, tt.want)
		case tt.err != nil && !errors.Is(err, tt.err):
			t.Errorf("Bits(%q): got %d, %v, want %v", tt.in, got, err, tt.err)
		case tt.err != nil && err.Error() != fmt.Sprintf("%q: %v", tt.in, tt.err):
			t.Errorf("Bits(%q): error %q does not name the text first", tt.in, err)
		}
	}
}

// Dotted and Bits are inverse over every prefix length.
func TestDottedRoundTrip(t *testing.T) {
	for n := 0; n <= 32; n++ {
		got, err := Bits(Dotted(n))
		if err != nil || got != n {
			t.Errorf("Bits(Dotted(%d) = %q): got %d, %v", n, Dotted(n), got, err)
		}
	}
}

// Whatever Bits accepts, Dotted writes back the same text.
func FuzzBits(f *testing.F) {
	f.Add("255.255.255.0")
	f.Add("255.0.255.0")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Bits(s)
		if err != nil {
			if !errors.Is(err, ErrNotDotted) && !errors.Is(err, ErrNotContiguous) {
				t.Fatalf("Bits(%q): error %v is neither sentinel", s, err)
			}
			return
		}
		if back := Dotted(n); back != s {
			t.Fatalf("Bits(%q) = %d, Dotted gives %q", s, n, back)
		}
	})
}
