# deepdream — build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: build test vet bench compare fuzz demo

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

# Our time for 10 gradient steps next to PyTorch's, interleaved (needs
# Debian's python3-torch and python3-opencv and ../shared/bench; the project
# itself does not depend on them). SIZE and LAYER pick the work.
SIZE ?= 640x360
LAYER ?= mixed3
compare: build
	$(GO) run ./models/native/speedcmp --bin ./deepdream --size $(SIZE) --layer $(LAYER) -- \
		env OMP_WAIT_POLICY=passive /usr/bin/python3 ../shared/bench/torch_steps.py \
		--pb ../shared/models/inception_v3_mixed7.pb --layer {layer} --image {image} --steps {steps}

# Dream over the sample clip (the README's first command ends here).
demo: build
	./deepdream video samples/chaplin.mp4 -o dream.mp4 --force
	@echo "open dream.mp4"
