# onnxcc - build, test, demo and install.
#
#   make            build/onnxcc, build/libonnxcc_rt.a, build/include/onnxcc_rt.h
#   make test       every test: runtime unit tests, compiler tests, end-to-end
#                   models, the ONNX conformance suite
#   make demo       compile the digits model to C, build a small app, run it
#   make bench      time the models against ONNX Runtime and PyTorch (not a test)
#   make embedded   Cortex-M4F footprint and QEMU runs (not a test)
#   make fuzz       libFuzzer over the compiler [FUZZ_SECONDS=N] (not a test)
#   make test-sanitize  the suites again under ASan+UBSan, valgrind (in make test)
#   make lint       cppcheck and clang-tidy, must be clean (~3 min; not in make test)
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
DEPS_TEST  := libcriterion-dev libonnx-testdata clang cmake pkg-config python3
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

# SIMD: the runtime's kernels pick AVX2+FMA (or NEON, or AVX-512) from the
# compiler's own target macros, with a portable C path otherwise. RT_SIMD is
# added to the runtime's flags only: by default -mavx2 -mfma when this
# machine has both (what `$(CC) -march=native` predefines says), else
# nothing (portable). `make RT_SIMD=` builds a portable library for another
# x86 machine; -DRT_NO_SIMD in OPT forces the portable path (test-nosimd).
ifeq ($(origin RT_SIMD), undefined)
RT_SIMD := $(shell $(CC) -march=native -dM -E -x c /dev/null 2>/dev/null | \
             grep -c -E '^\#define __(AVX2|FMA)__ 1' | grep -q '^2$$' && echo '-mavx2 -mfma')
endif

$(BUILD)/rt/%.o: runtime/%.c runtime/onnxcc_rt.h $(wildcard runtime/*_impl.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_P) $(RT_SIMD) -Iruntime -c $< -o $@

$(RT_LIB): $(RT_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The installed header records what the library it ships with was built
# for (RT_CONV_WINOGRAD: whether its Winograd kernel has vector code), so
# generated code compiled against it stores the weight layout that library
# runs fastest, whatever the generated code's own flags.
$(RT_HDR): runtime/onnxcc_rt.h $(RT_LIB)
	@mkdir -p $(dir $@)
	@w=$$($(CC) $(CFLAGS_P) $(RT_SIMD) -dM -E -include $< -x c /dev/null | \
	    sed -n 's/^#define RT_CONV_WINOGRAD \([01]\)$$/\1/p'); \
	  test -n "$$w" || { echo "$@: cannot read RT_CONV_WINOGRAD from $<" >&2; exit 1; }; \
	  { echo "/* onnxcc_rt.h as installed with its library, which was built with"; \
	    echo " * RT_CONV_WINOGRAD $$w (see below). */"; \
	    echo "#ifndef RT_CONV_WINOGRAD"; echo "#define RT_CONV_WINOGRAD $$w"; echo "#endif"; \
	    cat $<; } > $@.tmp && mv $@.tmp $@

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

# `make test` runs every suite and fails if any does; each also runs alone.
.PHONY: test test-runtime test-cli test-models test-conformance test-docs test-clang test-train test-examples test-bench-smoke
test-runtime: $(RTT_BIN)
	$(RTT_BIN) -j$(JOBS)

test-cli: all
	tests/cli/run.sh $(BUILD)/onnxcc

test-models: all
	tests/models/run.sh $(BUILD)/onnxcc

test-conformance: all
	tests/conformance/run.sh $(BUILD)/onnxcc

test-train: all
	tests/train/run.sh $(BUILD)/onnxcc

test-examples: all
	tests/examples/run.sh

# `onnxcc bench` itself (JSON keys, MACs, errors), never a timing
test-bench-smoke: all
	tests/bench/smoke.sh $(BUILD)/onnxcc

test-docs: all
	tests/docs/ops_table.sh $(BUILD)/onnxcc

# the project itself must build warning-free under clang as well as gcc
test-clang: | $(DEPS_OK)
	$(MAKE) --no-print-directory BUILD=$(BUILD)/clang CC=clang all
	@echo "clang build: 1 passed, 0 failed"

# `make test-nosimd`: the same kernels on their portable path. The runtime
# and the compiler are rebuilt under build/nosimd with -DRT_NO_SIMD, then the
# runtime unit tests and the model tests run against them, the generated
# code built with -DRT_NO_SIMD too.
NOSIMD_BUILD := $(BUILD)/nosimd
.PHONY: test-nosimd
test-nosimd: | $(DEPS_OK)
	$(MAKE) --no-print-directory BUILD=$(NOSIMD_BUILD) OPT='-O2 -g -DRT_NO_SIMD' \
	  all $(NOSIMD_BUILD)/tests/test_runtime
	$(NOSIMD_BUILD)/tests/test_runtime -j$(JOBS)
	ONNXCC_CFLAGS='-O2 -DRT_NO_SIMD' tests/models/run.sh $(NOSIMD_BUILD)/onnxcc

# `make test-avx512`: the runtime's AVX-512F kernels (what `make bench` and
# -march=native builds of this machine use; the default library stays AVX2
# so valgrind can run it): the runtime unit tests and the model tests against
# a library built with -march=native, skipped on a machine without AVX-512F.
# wino: the generated code is built with -march=native too, so that it holds
# the Winograd weights (RT_CONV_WINOGRAD) and the library's kernel runs.
# r8fwd: and the fine-tuning parity tests, whose training steps run the
# Winograd forward (rt_conv_forward_ws) only against this library.
AVX512_BUILD := $(BUILD)/avx512
.PHONY: test-avx512
test-avx512: | $(DEPS_OK)
	@if $(CC) -march=native -dM -E -x c /dev/null 2>/dev/null | grep -q '__AVX512F__ 1'; then \
	  $(MAKE) --no-print-directory BUILD=$(AVX512_BUILD) RT_SIMD='-march=native' \
	    all $(AVX512_BUILD)/tests/test_runtime && \
	  $(AVX512_BUILD)/tests/test_runtime -j$(JOBS) && \
	  ONNXCC_CFLAGS='-O2 -march=native' tests/models/run.sh $(AVX512_BUILD)/onnxcc && \
	  ONNXCC_CFLAGS='-O2 -march=native' tests/train/run.sh $(AVX512_BUILD)/onnxcc; \
	else echo "test-avx512: skipped (this machine has no AVX-512F)"; fi

test: all
	@fails=0; \
	for t in test-clang test-runtime test-nosimd test-avx512 test-docs test-cli test-models test-train test-examples test-bench-smoke test-conformance test-sanitize test-neon; do \
	  echo "==== $$t"; $(MAKE) --no-print-directory $$t || fails=$$((fails + 1)); \
	done; \
	if [ $$fails -ne 0 ]; then echo "make test: $$fails suite(s) failed"; exit 1; fi; \
	echo "make test: all suites passed"

# ---------------------------------------------------------------- demo
# Compiles the digits CNN to C, builds it into models/demo/digits_app.c and
# classifies the held-out digits test set with it; then compiles it again with
# --train and fine-tunes it, through the generated C with one static arena, on
# digits drawn in a style it was not trained on (models/demo/digits_tune.c).
DEMO := $(BUILD)/demo
.PHONY: demo
demo: all
	@mkdir -p $(DEMO)/infer $(DEMO)/tune
	$(BUILD)/onnxcc summary models/digits/model.onnx --dim N=1
	@if command -v dot >/dev/null; then \
	  $(BUILD)/onnxcc summary models/digits/model.onnx --dim N=1 --dot | dot -Tpng -o $(DEMO)/digits.png && \
	  echo "demo: the optimized graph is drawn in $(DEMO)/digits.png"; \
	else echo "demo: install graphviz to draw the optimized graph (onnxcc summary --dot)"; fi
	$(BUILD)/onnxcc compile models/digits/model.onnx -o $(DEMO)/infer/digits.c --name digits --dim N=1
	$(CC) -std=c99 -Wall -Wextra -pedantic -Werror -O2 -I$(DEMO)/infer -I$(BUILD)/include \
	  models/demo/digits_app.c $(DEMO)/infer/digits.c $(RT_LIB) -lm -o $(DEMO)/digits_app
	$(DEMO)/digits_app models/digits/test_x.f32 models/digits/test_y.i64
	$(BUILD)/onnxcc compile models/digits/model.onnx -o $(DEMO)/tune/digits.c --name digits \
	  --train --loss cross-entropy --optimizer sgd --lr 0.01 --momentum 0.9 --batch-size 32
	$(CC) -std=c99 -Wall -Wextra -pedantic -Werror -O2 -I$(DEMO)/tune -I$(BUILD)/include \
	  models/demo/digits_tune.c $(DEMO)/tune/digits.c $(RT_LIB) -lm -o $(DEMO)/digits_tune
	$(DEMO)/digits_tune models/train/digits_style 3

# ---------------------------------------------------------------- bench
# Side by side on one core (taskset -c 0): onnxcc's generated code against
# ONNX Runtime (inference, batch 1) and PyTorch (training step, batch 32),
# with OpenBLAS sgemm as the machine's peak; the runtime library is built
# again under build/bench/native with BENCH_OPT, as the generated code is.
# Installs what it needs (apt-get, npm). Writes build/bench/bench.{csv,md,
# png,json}. Never part of `make test`; see tests/bench/README.md.
BENCH_OPT ?= -O3 -march=native
BENCH_RT  := $(BUILD)/bench/native
.PHONY: bench
bench: all
	$(MAKE) --no-print-directory BUILD=$(BENCH_RT) OPT='$(BENCH_OPT)' \
	  $(BENCH_RT)/libonnxcc_rt.a $(BENCH_RT)/include/onnxcc_rt.h
	ONNXCC_RUNTIME_DIR=$(BENCH_RT) tests/bench/run.sh $(BUILD)/onnxcc $(BUILD)/bench

# ---------------------------------------------------------------- embedded
# On a Cortex-M4F: cross-compiles the runtime and every models/*/model.onnx
# (arm-none-eabi-gcc, -Os), prints their flash and RAM and writes
# build/embedded/footprint.csv, and runs under qemu-system-arm -M mps2-an386
# (semihosting) every model on its reference input, LeNet-5 and the digits CNN
# among them, the digits test set and 20 fine-tuning steps of the digits CNN;
# a failed check fails make.
# Installs its Debian packages when missing. See models/embedded/README.md.
DEPS_EMBEDDED := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
EMBEDDED_OK   := $(BUILD)/.deps-embedded-ok
$(EMBEDDED_OK):
	@mkdir -p $(BUILD)
	@if ! dpkg -s $(DEPS_EMBEDDED) >/dev/null 2>&1; then \
	  echo "embedded: installing $(DEPS_EMBEDDED)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(DEPS_EMBEDDED); \
	fi
	@touch $@

.PHONY: embedded
embedded: all | $(EMBEDDED_OK)
	$(MAKE) --no-print-directory -f models/embedded/Makefile BUILD=$(BUILD) ONNXCC=$(BUILD)/onnxcc HOSTCC=$(CC)

# ---------------------------------------------------------------- sanitizers
# `make test-sanitize`: the compiler, the runtime, the runtime unit tests and
# the code onnxcc generates (through $ONNXCC_CFLAGS) all built with ASan and
# UBSan under build/asan, then the runtime, CLI, model and training suites,
# the fuzz regression replay and a valgrind leak check of `onnxcc compile`
# on every model in models/ (tests/sanitize/run.sh). Any report fails it.
SAN_CC     ?= gcc
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_BUILD := $(BUILD)/asan
ASAN_CC_OBJ = $(filter-out %/main.o,$(CC_OBJ:$(BUILD)/%=$(ASAN_BUILD)/%))
DEPS_TEST  += valgrind

.PHONY: test-sanitize
test-sanitize: all
	$(MAKE) -s --no-print-directory BUILD=$(ASAN_BUILD) CC='$(SAN_CC) $(SAN_FLAGS)' OPT='-O1 -g' \
	  all $(ASAN_BUILD)/tests/test_runtime $(ASAN_CC_OBJ)
	@rm -f $(ASAN_BUILD)/libonnxcc_cc.a
	ar rcs $(ASAN_BUILD)/libonnxcc_cc.a $(ASAN_CC_OBJ)
	$(SAN_CC) $(SAN_FLAGS) $(CSTD) $(WARN) -O1 -g -D_POSIX_C_SOURCE=200809L -Icompiler -Iruntime \
	  tests/fuzz/fuzz_compile.c tests/fuzz/replay.c $(ASAN_BUILD)/libonnxcc_cc.a \
	  $(ASAN_BUILD)/cc/onnx.pb-c.o $(ASAN_BUILD)/libonnxcc_rt.a -lprotobuf-c -lm \
	  -o $(ASAN_BUILD)/tests/fuzz_replay
	SAN_FLAGS='-O1 -g $(SAN_FLAGS)' tests/sanitize/run.sh $(ASAN_BUILD) $(BUILD)/onnxcc

# ---------------------------------------------------------------- fuzz
# `make fuzz [FUZZ_SECONDS=60] [FUZZ_JOBS=1]`: a libFuzzer target over import,
# shape inference, fusion, planning and emission (tests/fuzz/fuzz_compile.c),
# everything built with clang -fsanitize=fuzzer,address,undefined under
# build/fuzz, seeded with every ONNX file here and in the conformance suite
# (tests/fuzz/run.sh). Findings land in build/fuzz/work/artifacts/; fixed
# ones go to tests/fuzz/regress/, which test-sanitize replays. Not in `make
# test`: it runs for as long as it is given.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_CC_OBJ   = $(filter-out %/main.o,$(CC_OBJ:$(BUILD)/%=$(FUZZ_BUILD)/%))

.PHONY: fuzz fuzz-build
fuzz-build: | $(DEPS_OK)
	@dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends libclang-rt-14-dev; }
	$(MAKE) -s --no-print-directory BUILD=$(FUZZ_BUILD) \
	  CC='$(FUZZ_CC) $(SAN_FLAGS) -fsanitize=fuzzer-no-link' OPT='-O1 -g' \
	  $(FUZZ_CC_OBJ) $(FUZZ_BUILD)/cc/onnx.pb-c.o $(FUZZ_BUILD)/libonnxcc_rt.a
	@rm -f $(FUZZ_BUILD)/libonnxcc_cc.a
	ar rcs $(FUZZ_BUILD)/libonnxcc_cc.a $(FUZZ_CC_OBJ)
	$(FUZZ_CC) $(SAN_FLAGS) -fsanitize=fuzzer $(CSTD) $(WARN) -O1 -g -D_POSIX_C_SOURCE=200809L \
	  -Icompiler -Iruntime tests/fuzz/fuzz_compile.c $(FUZZ_BUILD)/libonnxcc_cc.a \
	  $(FUZZ_BUILD)/cc/onnx.pb-c.o $(FUZZ_BUILD)/libonnxcc_rt.a -lprotobuf-c -lm \
	  -o $(FUZZ_BUILD)/fuzz_compile

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD)/fuzz_compile $(FUZZ_BUILD)/work $(FUZZ_SECONDS) $(FUZZ_JOBS)

# ---------------------------------------------------------------- lint
# `make lint`: cppcheck (--enable=warning,portability) and clang-tidy (the
# checks listed and justified in tests/lint/clang-tidy.yaml) over
# compiler/*.c and runtime/*.c; clean or it fails (tests/lint/run.sh).
# About 3 minutes on 2 cores, too long for `make test`: CI runs it separately.
DEPS_TEST += cppcheck clang-tidy
.PHONY: lint
lint: $(PROTO_H)
	tests/lint/run.sh $(BUILD)/proto $(JOBS)

# ---------------------------------------------------------------- install
# bin/onnxcc, lib/libonnxcc_rt.a, include/onnxcc_rt.h and a pkg-config file
# (pkg-config --cflags --libs onnxcc-rt); the installed onnxcc finds the
# runtime relative to itself, so verify and finetune work from there too.
.PHONY: install uninstall
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/onnxcc $(DESTDIR)$(PREFIX)/bin/onnxcc
	install -m 644 $(RT_LIB) $(DESTDIR)$(PREFIX)/lib/libonnxcc_rt.a
	install -m 644 $(RT_HDR) $(DESTDIR)$(PREFIX)/include/onnxcc_rt.h
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: onnxcc-rt' 'Description: runtime library of the C code onnxcc generates' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lonnxcc_rt -lm' \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/onnxcc-rt.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/onnxcc $(DESTDIR)$(PREFIX)/lib/libonnxcc_rt.a \
	  $(DESTDIR)$(PREFIX)/include/onnxcc_rt.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/onnxcc-rt.pc

.PHONY: clean
clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- NEON (AArch64 under emulation)
# `make test-neon`: the runtime cross-built for AArch64 (aarch64-linux-gnu-gcc,
# so __ARM_NEON selects the NEON kernels), its kernels checked against naive
# loops (tests/neon/check_kernels.c, Criterion has no AArch64 build here) and
# every model in models/ verified against PyTorch's outputs, all run under
# qemu-aarch64 (tests/neon/run.sh). Correctness only, never a timing.
DEPS_NEON  := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
DEPS_TEST  += $(DEPS_NEON)
NEON_BUILD := $(BUILD)/neon
NEON_CC    ?= aarch64-linux-gnu-gcc
NEON_AR    ?= aarch64-linux-gnu-ar
NEON_OBJ   := $(RT_SRC:runtime/%.c=$(NEON_BUILD)/rt/%.o)

$(NEON_BUILD)/rt/%.o: runtime/%.c runtime/onnxcc_rt.h $(wildcard runtime/*_impl.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(NEON_CC) $(CSTD) $(WARN) -O2 -D_POSIX_C_SOURCE=200809L -Iruntime -c $< -o $@

$(NEON_BUILD)/libonnxcc_rt.a: $(NEON_OBJ)
	@rm -f $@
	$(NEON_AR) rcs $@ $^

$(NEON_BUILD)/include/onnxcc_rt.h: runtime/onnxcc_rt.h
	@mkdir -p $(dir $@)
	cp $< $@

$(NEON_BUILD)/check_kernels: tests/neon/check_kernels.c $(NEON_BUILD)/libonnxcc_rt.a
	$(NEON_CC) $(CSTD) $(WARN) -O2 -Iruntime $< $(NEON_BUILD)/libonnxcc_rt.a -lm -o $@

.PHONY: test-neon
test-neon: all $(NEON_BUILD)/libonnxcc_rt.a $(NEON_BUILD)/include/onnxcc_rt.h $(NEON_BUILD)/check_kernels
	tests/neon/run.sh $(BUILD)/onnxcc $(NEON_BUILD)

# ---------------------------------------------------------------- types (types3)
# The element-type survey: every op of the table x every tensor type its
# ONNX 1.12 schema allows, one-node models checked by `onnxcc verify`
# against ONNX Runtime (onnxruntime-node from npm, installed under
# build/bench like `make bench`; numpy where ORT has no kernel). About 2
# minutes; not part of `make test` (it needs npm); its summary is in the
# README ("Element types").
.PHONY: test-types
test-types: all
	tests/conformance/type_survey.sh $(BUILD)/onnxcc
