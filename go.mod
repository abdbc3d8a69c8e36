module github.com/runbook-dev/runbook

go 1.26.0

require (
	github.com/fatih/color v1.19.0
	github.com/gofrs/flock v0.13.2
	github.com/hashicorp/go-multierror v1.1.1
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
)

require (
	github.com/hashicorp/errwrap v1.0.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
