package builtins

import "testing"

func TestUnifiedDiff(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		existed        bool
		want           string
	}{
		{"same", "a\n", "a\n", true, ""},
		{"new file", "", "DEVICE=bond51\nONBOOT=yes\n", false,
			"--- /dev/null\n+++ b/etc/x\n@@ -0,0 +1,2 @@\n+DEVICE=bond51\n+ONBOOT=yes\n"},
		{"one line changed, context of three", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", true,
			"--- a/etc/x\n+++ b/etc/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"emptied", "a\nb\n", "", true,
			"--- a/etc/x\n+++ b/etc/x\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"no final newline", "a", "a\nb\n", true,
			"--- a/etc/x\n+++ b/etc/x\n@@ -1,1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n"},
	} {
		if got := UnifiedDiff("/etc/x", tc.old, tc.new, tc.existed); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}
