# Front door. `make demo` and `make test` are the README's two commands; both
# install their Debian packages first (scripts/install-deps.sh, idempotent).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
DEMO_DIR ?= demo
DEMO_COUNT ?= 5000
ACCORD := $(BUILD)/accord

.PHONY: all deps build test demo bench lint format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Tests build with clang (ASan + UBSan + libFuzzer smoke runs); `make build`
# uses the default compiler (gcc), so both keep the warnings at zero.
test: deps
	@CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DACCORD_SANITIZE=ON -DACCORD_FUZZ=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(ACCORD) $(DEMO_DIR) $(DEMO_COUNT)

bench: build
	@bash bench/run.sh $(BUILD)

lint: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	  --inline-suppr --suppress=missingIncludeSystem --std=c11 -I src src

format:
	@find src tests bench -name '*.[ch]' -print0 | xargs -0 clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
