package environ

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		key    string
		want   string
		wantOK bool
	}{
		{"set", []string{"A=1", "B=2"}, "B", "2", true},
		{"last wins", []string{"PATH=/a", "X=y", "PATH=/b"}, "PATH", "/b", true},
		{"empty value is set", []string{"A="}, "A", "", true},
		{"value with =", []string{"OPTS=a=b=c"}, "OPTS", "a=b=c", true},
		{"unset", []string{"A=1"}, "B", "", false},
		{"prefix is not the key", []string{"PATHX=1", "PAT=2"}, "PATH", "", false},
		{"entry without = sets nothing", []string{"A=1", "A"}, "A", "1", true},
		{"case matters", []string{"path=/a"}, "PATH", "", false},
		{"nil env", nil, "A", "", false},
		{"empty key", []string{"=x"}, "", "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Lookup(tt.env, tt.key)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Lookup(%q, %q): got %q, %v, want %q, %v", tt.env, tt.key, got, ok, tt.want, tt.wantOK)
			}
			if g := Get(tt.env, tt.key); g != tt.want {
				t.Errorf("Get(%q, %q): got %q, want %q", tt.env, tt.key, g, tt.want)
			}
			if g := Getter(tt.env)(tt.key); g != tt.want {
				t.Errorf("Getter(%q)(%q): got %q, want %q", tt.env, tt.key, g, tt.want)
			}
		})
	}
}
