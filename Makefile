# deepdream — build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: build test vet bench fuzz demo

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

# Dream over the sample clip (the README's first command ends here).
demo: build
	./deepdream video samples/chaplin.mp4 -o dream.mp4 --force
	@echo "open dream.mp4"
