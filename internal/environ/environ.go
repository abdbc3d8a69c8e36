// Package environ looks variables up in an environment given as a list
// of "KEY=value" strings (os.Environ, exec.Cmd.Env, a unit's
// Environment=): the one lookup the engine, the real and simulated hosts
// and the simulated boot share. As for a process started with such a
// list, the last entry of a key wins.
package environ

import "strings"

// Lookup returns the value of key in env and whether it is set. An entry
// without "=" sets nothing.
func Lookup(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// Get returns the value of key in env, "" when it is not set.
func Get(env []string, key string) string {
	v, _ := Lookup(env, key)
	return v
}

// Getter returns Get over env as a func, for code that takes an
// os.Getenv-like function.
func Getter(env []string) func(string) string {
	return func(key string) string { return Get(env, key) }
}
