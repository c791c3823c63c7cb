# initlab — top-level commands.
#   make run    set up, build, run the main job
#   make test   set up, build, run every test
#   make fuzz   build the libFuzzer targets (clang) and run each for FUZZ_SECONDS
PRESET ?= dev
BUILD  := build/$(PRESET)
JOBS   := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup configure build run test bench asan-test fuzz clean

all: build

setup:
	@scripts/setup

configure: setup
	@test -f $(BUILD)/CMakeCache.txt || cmake --preset $(PRESET)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/initlab lab

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Benchmarks against PyTorch (release build; PyTorch is optional).
bench:
	@$(MAKE) --no-print-directory PRESET=release build
	bench/run-init-bench build/release
	bench/run-mlp-bench build/release
	bench/run-train-bench build/release
	bench/run-accuracy-bench build/release

asan-test:
	@$(MAKE) --no-print-directory PRESET=asan test

# Fuzzing with libFuzzer (clang, build/fuzz): every target for FUZZ_SECONDS on a
# copy of its corpus; fails on a crash, saved to fuzz/crashes/<target>/.
# FUZZ_TARGETS="csv npy" picks targets; fuzz/README.md tells more.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: setup
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run $(FUZZ_TARGETS)

clean:
	rm -rf build
