# vow build. `make` builds build/libvow.a and build/vow (hardened release);
# `make SAN=1` builds the same tree under ASan+UBSan into build-san/;
# `make FUZZ=1 fuzz` builds it with clang for libFuzzer under ASan+UBSan into
# build-fuzz/, with one fuzzer per tests/fuzz/*.c (scripts/fuzz.sh runs them).
# `make check` builds and runs the unit tests of the selected build.

SAN ?= 0
FUZZ ?= 0
CC  ?= cc
ifeq ($(FUZZ),1)
CC    := clang
BUILD ?= build-fuzz
OPT   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
         -fno-omit-frame-pointer -DVAULT_KEY_CACHE=64
SANLD := -fsanitize=address,undefined
else ifeq ($(SAN),1)
BUILD ?= build-san
OPT   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANLD := -fsanitize=address,undefined
else
BUILD ?= build
OPT   := -O2 -g -D_FORTIFY_SOURCE=2
SANLD :=
endif

PKGS := libsodium yaml-0.1 jansson sqlite3 libmicrohttpd libcurl libarchive
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Werror -Wformat=2 -Wformat-security -Wshadow \
        -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wpointer-arith \
        -Wundef -Wwrite-strings -Wimplicit-fallthrough -Wold-style-definition \
        -Wnull-dereference -Wdouble-promotion
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
CFLAGS += -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) $(HARDEN) \
          -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack $(SANLD)
LDLIBS  += $(PKG_LIBS)
ifeq ($(FUZZ),1)
# clang only: vow joins long string literals in arrays on purpose
CFLAGS += -Wno-string-concatenation
endif

LIB_SRC := $(wildcard src/util/*.c src/policy/*.c src/crypto/*.c src/store/*.c src/decide/*.c src/vault/*.c src/consent/*.c src/audit/*.c src/notify/*.c src/retention/*.c src/rights/*.c src/http/*.c)
LIB_ASM := src/policy/example_policy.S
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_ASM:%.S=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS   := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all lib tests benches fuzz check clean
all: $(BUILD)/libvow.a $(BUILD)/vow
lib: $(BUILD)/libvow.a
tests: all $(TESTS)
benches: all $(BENCHES)
fuzz: $(FUZZERS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S examples/policies/amberscript.yaml
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/libvow.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/vow: $(CLI_OBJ) $(BUILD)/libvow.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# test programs: compiled once, relinked when the library changes
.SECONDARY: $(TEST_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libvow.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(BUILD)/libvow.a -o $@ $(LDLIBS) -lcmocka $(shell pkg-config --libs libcurl)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvow.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libvow.a -o $@ $(LDLIBS)

# a fuzzer: its own main from libFuzzer (only in the FUZZ=1 tree)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libvow.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer $< $(BUILD)/libvow.a -o $@ $(LDLIBS)

check: tests
	scripts/run-unit-tests.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
