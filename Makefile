# runbook: build, test, benchmark, lint.
GO ?= go
BIN ?= bin/runbook

.PHONY: all build test lint vet fmt bench reliability clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/runbook

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
