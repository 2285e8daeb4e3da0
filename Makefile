# The two set-up commands (README): `make demo` and `make test`.
# Each installs what is missing (scripts/deps.sh), builds, then runs.

BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build deps demo test unit e2e bench format tidy clean

all: build

deps:
	@bash scripts/deps.sh build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo:
	@bash scripts/deps.sh demo
	@$(MAKE) --no-print-directory build
	@bash examples/demo.sh $(BUILD)/src/tend

test:
	@bash scripts/deps.sh test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit e2e

unit:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

e2e:
	TEND_BINARY=$(abspath $(BUILD)/src/tend) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e

bench:
	@bash scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	@bash bench/run.sh $(abspath $(BUILD)/src/tend)

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'bench/*.cpp')

# Slow (tens of minutes on 2 cores: the JSON, TOML and CLI headers), so not part of `make test`.
tidy: build
	@bash scripts/deps.sh tidy
	git ls-files 'src/*.cpp' | xargs -P $$(nproc) -n 4 clang-tidy-16 -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD)
