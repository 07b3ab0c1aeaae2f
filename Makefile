# kafkawasm — developer and CI entry points. `make help` lists targets.
#
# Integration tests read KAFKA_BOOTSTRAP (see internal/testkafka). If it is
# not set but a broker started by `make kafka-up` is running, it is picked up
# automatically; otherwise those tests skip (and fail under CI=true).

GO       ?= go
FUZZTIME ?= 10s
PKGS     ?= ./...

ifeq ($(origin KAFKA_BOOTSTRAP),undefined)
KAFKA_BOOTSTRAP := $(shell scripts/kafka.sh bootstrap --if-running 2>/dev/null)
endif
export KAFKA_BOOTSTRAP

GOFILES = $(shell find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' \
            -not -path './vendor/*' -not -path '*/node_modules/*')

.PHONY: help run test test-short test-race lint fmt vet kafka-up kafka-down kafka-restart \
        kafka-status kafka-logs bench fuzz check plugins

help:
	@echo "targets: run test test-short test-race lint fmt kafka-up kafka-down kafka-restart"
	@echo "         kafka-status kafka-logs bench fuzz check plugins"

# The README's first command, on a fresh clone with no Kafka installed:
# builds the binary and the Go example plugins, then produces
# examples/sample.jsonl through producer.toml's plugins (by-region
# partitioner, order-codec, trace enricher) to the embedded development
# broker, printing each record's partition, offset and headers.
run: build
	@if $(MAKE) -s -C plugins -n go >/dev/null 2>&1; then \
	  $(MAKE) -s -C plugins go; \
	else \
	  echo "make run: no 'go' target in plugins/Makefile yet: using the plugins as they are"; \
	fi
	./bin/kafkawasm produce -c producer.toml -t orders --print-results examples/sample.jsonl

.PHONY: build
# Builds the kafkawasm binary into bin/ (or: go install ./cmd/kafkawasm).
build:
	$(GO) build -o bin/kafkawasm ./cmd/kafkawasm

# The CI test command (.ci/run): everything, with the race detector.
# The second command runs, without -race, the allocation and memory-limit
# tests that the race detector's instrumentation makes meaningless (they
# skip themselves under -race).
test:
	$(GO) test -race -count=1 -timeout 25m $(PKGS)
	$(GO) test -count=1 -timeout 10m -run 'Alloc|TooLarge|Pool' ./internal/... ./kafka/...

test-short:
	$(GO) test -short -count=1 -timeout 10m $(PKGS)

test-race:
	$(GO) test -race -count=1 -timeout 25m $(PKGS)

lint: vet
	@out="$$(gofmt -l $(GOFILES))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $(GOFILES)

kafka-up:
	@scripts/kafka.sh start

kafka-down:
	@scripts/kafka.sh stop

kafka-restart:
	@scripts/kafka.sh restart

kafka-status:
	@scripts/kafka.sh status

kafka-logs:
	@scripts/kafka.sh logs

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Runs each FuzzXxx target for FUZZTIME (default 10s), one after the other.
fuzz:
	@FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh $(PKGS)

check: lint test

# Builds the example plugins (Go, AssemblyScript, C and Rust) from source into
# plugins/<name>/*.wasm; the plugin tests need them (see plugins/README.md).
plugins:
	$(MAKE) -C plugins all
	$(MAKE) -C plugins/testdata/hostile
