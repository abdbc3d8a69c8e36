# runbook: build, test, benchmark, lint.
GO ?= go
BIN ?= bin/runbook

.PHONY: all build test lint bench reliability reliability-full clean ansible-collection bench-ansible

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/runbook

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every test; the reliability suite last, so its summary ends the output.
# The Ansible tests (ansibletest/) need ansible-playbook; without it they
# skip, and this says so.
test: lint
	@command -v ansible-playbook >/dev/null 2>&1 || \
	  echo "ansibletest: ansible-playbook not found: the Ansible tests are SKIPPED (apt-get install ansible-core; .ci/run does)"
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /reliability$$)
	$(MAKE) --no-print-directory reliability

# The reliability figures: crash matrix, file_write kills, reboot cases,
# torn journals, bad inputs, signals, concurrency, security, random kills,
# journal damage, disk full, untrusted state dirs, two state dirs, in-doubt
# calls, orphaned children, secrets. The long sweeps run a sample here.
reliability:
	$(GO) test -count=1 -run '^TestFileWriteKilledBeforeRename$$' ./builtins/
	@mkdir -p bin
	RELIABILITY_SUMMARY=$(CURDIR)/bin/reliability.txt $(GO) test -count=1 ./reliability/; \
	  status=$$?; cat bin/reliability.txt; exit $$status

# The whole set of the long sweeps (about 40 minutes on 2 cores: journal
# format 3's call records doubled the bytes to damage and fill): 1,050
# random kills, every byte of a journal damaged three ways, every fill
# level of a first run. RELIABILITY_SEED picks the kills' seed.
reliability-full:
	@mkdir -p bin
	RELIABILITY_FULL=1 RELIABILITY_SUMMARY=$(CURDIR)/bin/reliability-full.txt $(GO) test -count=1 -timeout 90m ./reliability/; \
	  status=$$?; cat bin/reliability-full.txt; exit $$status

# Benchmarks (about 2 minutes; results and method in bench/RESULTS.md).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench/startup -bin $(BIN)
	$(GO) run ./bench/statusmem -bin $(BIN)
	$(GO) run ./bench/compare -bin $(BIN) -n 30 -xapi-delay 0
	$(GO) run ./bench/compare -bin $(BIN) -n 10 -xapi-delay 2
	bash bench/testtime.sh $(MAKE)

# The runbook.xen Ansible collection tarball, in bin/.
ansible-collection:
	@mkdir -p bin
	ansible-galaxy collection build --force --output-path bin ansible

# storage-nic through ansible-playbook against plain command tasks
# (bench/ansible, results in bench/RESULTS.md).
bench-ansible: build
	$(GO) run ./bench/ansible -bin $(BIN) -n 15

clean:
	rm -rf bin
