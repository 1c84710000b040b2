# deepdream — build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: build test vet bench fuzz

build:
	$(GO) build -o deepdream ./cmd/deepdream

vet:
	$(GO) vet ./...
	$(GO) vet -tags tensorflow ./...

test: vet
	$(GO) test -timeout 30m ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./models/graphdef/

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./models/...
