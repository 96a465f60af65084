# onnxcc - build, test, demo and install.
#
#   make            build/onnxcc, build/libonnxcc_rt.a, build/include/onnxcc_rt.h
#   make test       every test: runtime unit tests, compiler tests, end-to-end
#                   models, the ONNX conformance suite
#   make demo       compile the digits model to C, build a small app, run it
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#
# Everything built goes under build/.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    := build
CSTD     := -std=c99
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
OPT      ?= -O2 -g
CFLAGS_P := $(CSTD) $(WARN) $(OPT) -D_POSIX_C_SOURCE=200809L
VERSION  := 0.1.0
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

# Debian packages: what building needs, and what testing needs on top.
DEPS_BUILD := libprotobuf-c-dev protobuf-c-compiler
DEPS_TEST  := libcriterion-dev libonnx-testdata
DEPS_DEMO  :=

# A stamp that exists once the packages are there; `make deps` installs them.
DEPS_OK := $(BUILD)/.deps-ok
$(DEPS_OK):
	@mkdir -p $(BUILD)
	@if ! dpkg -s $(DEPS_BUILD) $(DEPS_TEST) >/dev/null 2>&1; then $(MAKE) --no-print-directory deps; fi
	@touch $@

.PHONY: deps
deps:
	@echo "deps: installing $(DEPS_BUILD) $(DEPS_TEST)"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(DEPS_BUILD) $(DEPS_TEST)

# ---------------------------------------------------------------- protobuf
PROTO_C := $(BUILD)/proto/onnx.pb-c.c
PROTO_H := $(BUILD)/proto/onnx.pb-c.h
$(PROTO_C) $(PROTO_H) &: proto/onnx.proto | $(DEPS_OK)
	@mkdir -p $(BUILD)/proto
	protoc-c --c_out=$(BUILD)/proto -Iproto proto/onnx.proto

# ---------------------------------------------------------------- runtime
RT_SRC  := $(sort $(wildcard runtime/*.c))
RT_OBJ  := $(RT_SRC:runtime/%.c=$(BUILD)/rt/%.o)
RT_LIB  := $(BUILD)/libonnxcc_rt.a
RT_HDR  := $(BUILD)/include/onnxcc_rt.h

$(BUILD)/rt/%.o: runtime/%.c runtime/onnxcc_rt.h $(wildcard runtime/*_impl.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_P) -Iruntime -c $< -o $@

$(RT_LIB): $(RT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(RT_HDR): runtime/onnxcc_rt.h
	@mkdir -p $(dir $@)
	cp $< $@

# ---------------------------------------------------------------- compiler
CC_SRC := $(sort $(wildcard compiler/*.c))
CC_OBJ := $(CC_SRC:compiler/%.c=$(BUILD)/cc/%.o)
CC_HDR := $(wildcard compiler/*.h)

$(BUILD)/cc/%.o: compiler/%.c $(CC_HDR) runtime/onnxcc_rt.h $(PROTO_H) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_P) -DONNXCC_VERSION='"$(VERSION)"' -Icompiler -Iruntime -I$(BUILD)/proto -c $< -o $@

$(BUILD)/cc/onnx.pb-c.o: $(PROTO_C) $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) -I$(BUILD)/proto -c $< -o $@

$(BUILD)/onnxcc: $(CC_OBJ) $(BUILD)/cc/onnx.pb-c.o $(RT_LIB)
	$(CC) $(OPT) -o $@ $^ -lprotobuf-c -lm

.PHONY: all
all: $(BUILD)/onnxcc $(RT_LIB) $(RT_HDR)
.DEFAULT_GOAL := all

# ---------------------------------------------------------------- tests
# Runtime unit tests: tests/runtime/test_*.c, Criterion, one binary.
RTT_SRC := $(sort $(wildcard tests/runtime/test_*.c))
RTT_BIN := $(BUILD)/tests/test_runtime

$(RTT_BIN): $(RTT_SRC) $(wildcard tests/runtime/*.h) $(RT_LIB) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -Wall -Wextra -Werror -O1 -g -D_POSIX_C_SOURCE=200809L -Iruntime -Itests/runtime $(RTT_SRC) $(RT_LIB) -lcriterion -lm -o $@

.PHONY: test test-runtime
test-runtime: $(RTT_BIN)
	$(RTT_BIN) -j$(JOBS)

test: test-runtime

.PHONY: clean
clean:
	rm -rf $(BUILD)
