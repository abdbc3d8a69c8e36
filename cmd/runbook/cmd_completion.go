package main

import "github.com/spf13/pflag"

func completionCommand() *command {
	return &command{name: "completion", summary: "print a shell completion script (bash or zsh)", usage: "bash|zsh",
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error { return func([]string) error { return nil } }}
}

func completeCommand() *command {
	return &command{name: "__complete", hidden: true,
		setup: func(c *cli, fs *pflag.FlagSet) func([]string) error { return func([]string) error { return nil } }}
}
