# The commands people type. CMake does the building; this file installs what
# is missing, picks the build flavour and runs things.
#
#   make run     install missing packages, build (release), serve on ./data
#   make test    install missing packages, build with ASan+UBSan, run every test
#   make bench   build (release) and measure with wrk
#   make fuzz    build the libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make deps | build | clean

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR   ?= build
RELEASE_DIR := $(BUILD_DIR)/release
TEST_DIR    := $(BUILD_DIR)/test
FUZZ_DIR    := $(BUILD_DIR)/fuzz
FUZZ_SECONDS ?= 60
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
ARGS        ?=

# Debian bookworm packages: build, run (libvips and libexif for photos,
# OpenSSL's libcrypto for tus's SHA-1, tzdata for the time zone), test
# (cmocka, libcurl, nginx for the proxy test, node for the spec tools,
# chromium for the /docs page, clang with its libFuzzer runtime and llvm's
# symbolizer for the fuzz targets) and bench (wrk).
DEB_PACKAGES := cmake make gcc pkg-config python3 curl \
	libcivetweb-dev libjansson-dev libsqlite3-dev libjwt-dev \
	libsodium-dev libvips-dev libexif-dev libssl-dev tzdata libxlsxwriter-dev \
	libcmocka-dev libcurl4-openssl-dev nginx-light chromium wrk \
	clang libclang-rt-14-dev llvm

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test bench clean spec-deps docs-deps client-deps fuzz fuzz-build

# Installs only what is missing; with everything present it only asks dpkg.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The spec tools (redocly lint, the prism validating proxy), pinned by
# api-spec/package-lock.json; no install scripts (none is needed).
spec-deps: api-spec/node_modules/.package-lock.json
api-spec/node_modules/.package-lock.json: api-spec/package.json api-spec/package-lock.json
	cd api-spec && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The generated TypeScript client's tools (tests/client/, pinned).
client-deps: tests/client/node_modules/.package-lock.json
tests/client/node_modules/.package-lock.json: tests/client/package.json tests/client/package-lock.json
	cd tests/client && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# Redoc for GET /docs, embedded at build time (api-spec/docs/, pinned).
docs-deps: api-spec/docs/node_modules/.package-lock.json
api-spec/docs/node_modules/.package-lock.json: api-spec/docs/package.json api-spec/docs/package-lock.json
	cd api-spec/docs && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(RELEASE_DIR)/CMakeCache.txt:
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DINSPECTD_WERROR=ON -DINSPECTD_BUILD_TESTS=OFF

build: docs-deps $(RELEASE_DIR)/CMakeCache.txt
	cmake --build $(RELEASE_DIR) -j $(JOBS)

# Environment passes through: INSPECTD_LISTEN=0.0.0.0:9000 make run
run: deps build
	$(RELEASE_DIR)/inspectd seed-demo
	$(RELEASE_DIR)/inspectd serve $(ARGS)

$(TEST_DIR)/CMakeCache.txt:
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DINSPECTD_WERROR=ON \
		-DINSPECTD_SANITIZE='address;undefined' -DINSPECTD_TEST_ROUTES=ON

# The libFuzzer targets: clang, ASan+UBSan, their own tree (tests/fuzz/).
$(FUZZ_DIR)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=Debug -DINSPECTD_FUZZ=ON -DINSPECTD_BUILD_TESTS=OFF

fuzz-build: deps docs-deps $(FUZZ_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_DIR) -j $(JOBS)

# Each target for FUZZ_SECONDS on a copy of its seed corpus.
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_DIR)/tests/fuzz $(FUZZ_SECONDS)

# The release build is compiled too: optimisation brings warnings (-Werror)
# that the debug build does not see, and `make run` must keep building.
test: deps spec-deps docs-deps client-deps $(TEST_DIR)/CMakeCache.txt build fuzz-build
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)
	cd $(FUZZ_DIR) && ctest --output-on-failure

bench: deps build
	tests/bench/run.sh $(RELEASE_DIR)/inspectd

clean:
	rm -rf $(BUILD_DIR) api-spec/node_modules api-spec/docs/node_modules tests/client/node_modules
