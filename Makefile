# Build, test and install the search engine. `make help` lists every target.
#
# Variables: PREFIX (/usr/local) and DESTDIR for install; CC, CFLAGS (-O2 -g),
# LDFLAGS; WERROR (-Werror: `make WERROR=` leaves warnings as warnings);
# BUILD (build); FUZZ_SECONDS (20); AUTO_INSTALL (yes).
#
# Debian packages: `make` and `make test` first check, before compiling
# anything, that every package they need is there, and name all the missing
# ones in one line; as root (unless AUTO_INSTALL=no) they install them with
# one apt-get. Nothing else installs packages: never `make install`.

CC       ?= cc
PREFIX   ?= /usr/local
CFLAGS   ?= -O2 -g
WERROR   ?= -Werror
# Always on, whatever CFLAGS the caller passes (the sanitizer build does).
REQFLAGS  = -std=c11 -Wall -Wextra $(WERROR) -Iinclude -Isrc -Itests -D_GNU_SOURCE -pthread
# Each compile writes the headers it read to a .d file beside its output
# (a test's in $(BUILD)/tests/.deps, since tests/run.sh runs every test_*),
# read back at the end, so a header change rebuilds what includes it, only
# that; an object without its .d file (built before) is rebuilt once.
DEPFLAGS  = -MMD -MP
LDLIBS   += -lstemmer -lz -lzstd -lutf8proc -lm
BUILD    ?= build
SANFLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
AUTO_INSTALL ?= yes

# Debian packages, each as PACKAGE=FILE, a file (a glob) that proves it is installed.
BUILD_PKGS = libstemmer-dev=/usr/include/libstemmer.h zlib1g-dev=/usr/include/zlib.h \
             libzstd-dev=/usr/include/zstd.h libutf8proc-dev=/usr/include/utf8proc.h \
             libmicrohttpd-dev=/usr/include/microhttpd.h
TEST_PKGS  = jq=/usr/bin/jq pkg-config=/usr/bin/pkg-config curl=/usr/bin/curl python3=/usr/bin/python3 \
             chromium=/usr/bin/chromium openmpi-bin=/usr/bin/mpirun \
             libopenmpi-dev=/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h iproute2=/usr/sbin/ip
FUZZ_PKGS  = clang=/usr/bin/clang libclang-rt-14-dev=/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a
BENCH_PKGS = libstreamvbyte-dev=/usr/include/streamvbyte.h libdeflate-dev=/usr/include/libdeflate.h \
             time=/usr/bin/time jq=/usr/bin/jq wrk=/usr/bin/wrk curl=/usr/bin/curl

# The library is src/ but its front ends: the command line and the HTTP server.
LIB_SRC  := $(sort $(filter-out src/cli/% src/serve/% src/mpi/%,$(wildcard src/*/*.c)))
# search-mpi (src/mpi/), built with Open MPI's compiler wrapper when there is one.
MPICC    ?= mpicc
MPI_SRC  := $(sort $(wildcard src/mpi/*.c))
MPI_OBJ  := $(MPI_SRC:%.c=$(BUILD)/%.o)
MPI_BIN  := $(if $(shell command -v $(MPICC) 2>/dev/null),$(BUILD)/search-mpi)
CLI_SRC  := $(sort $(wildcard src/cli/*.c src/serve/*.c))
WEB      := src/serve/web/index.html src/serve/web/app.js src/serve/web/app.css
TEST_SRC := $(sort $(wildcard tests/*/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HEADERS  := $(wildcard src/*/*.h) include/libsearch.h tests/check.h
PIC_OBJ  := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
DEP_FILES := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(BUILD)/tests/check.d \
             $(TEST_SRC:tests/%.c=$(BUILD)/tests/.deps/%.d) $(BUILD)/tests/tools/faultio.d
# The shared library's version: its soname changes with the major number,
# on any change to the API that breaks a program built against the old.
SO_MAJOR  = 1
SO_VERSION = 1.0.0

.PHONY: lib uninstall effectiveness sweep sweep-fine bench-counters ranking fuzz fuzz-deps bench-tools bench-deps all deps test-deps test unit e2e check-asan install clean bench bench-quick bench-indexing bench-indexing-10m bench-reorder bench-ranking help
.DELETE_ON_ERROR:

# The packages first, then the build: with -j too, nothing is compiled
# before the headers are there (the bench targets do the same).
all: deps ## build ./search (checks the Debian packages first)
	@$(MAKE) --no-print-directory search

help: ## this list
	@sed -n -e '/^$$/q' -e 's/^# \{0,1\}//p' Makefile
	@echo
	@awk -F ':.*## ' '/^[a-zA-Z][a-zA-Z0-9_.-]*:.*## / { printf "  make %-16s %s\n", $$1, $$2 }' Makefile

# $(call packages,PACKAGE=FILE ...): the missing packages, all named in one
# line; installed with one apt-get when root and AUTO_INSTALL=yes.
define packages
	@missing=$$(for p in $(1); do ls $${p#*=} >/dev/null 2>&1 || printf ' %s' "$${p%%=*}"; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && [ "$(AUTO_INSTALL)" = yes ]; then \
	  echo "make: installing$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >&2 || exit 1; \
	else \
	  echo "make: missing Debian packages; as root: apt-get install$$missing" >&2; exit 1; \
	fi
endef

deps: ## check (as root: install) the packages the build needs
	$(call packages,$(BUILD_PKGS))

test-deps: ## the same for the build and every test, in one go
	$(call packages,$(BUILD_PKGS) $(TEST_PKGS) $(FUZZ_PKGS))

$(BUILD)/%.o: %.c $(BUILD)/%.d
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libsearch.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The shared library is built from position-independent copies of the
# objects, so the static library and ./search keep the code they had.
# Only the srch_* functions of include/libsearch.h are exported.
$(BUILD)/pic/%.o: %.c $(BUILD)/pic/%.d
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/libsearch.so.$(SO_VERSION): $(PIC_OBJ) include/libsearch.map
	$(CC) $(REQFLAGS) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libsearch.so.$(SO_MAJOR) \
	  -Wl,--version-script=include/libsearch.map -o $@ $(PIC_OBJ) $(LDLIBS)

# The pkg-config file names PREFIX, so it is made by install itself.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(SO_VERSION)|' -e 's|@LIBS@|$(LDLIBS)|'

lib: $(BUILD)/libsearch.a $(BUILD)/libsearch.so.$(SO_VERSION) ## the static and shared libraries

# The front end is built into $(BUILD) and copied to ./search for the default build.
$(BUILD)/search: $(CLI_OBJ) $(BUILD)/web.o $(BUILD)/libsearch.a
	$(CC) $(REQFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/web.o $(BUILD)/libsearch.a $(LDLIBS) -lmicrohttpd

# The server's page, script and style as data in the binary (symbols
# _binary_src_serve_web_*_start/_end): it serves no files but the index.
$(BUILD)/web.o: $(WEB)
	@mkdir -p $(@D)
	$(LD) -r -b binary -z noexecstack -o $@ $(WEB)

search: $(BUILD)/search ## ./search alone, without the package check
	cp $< $@

# search-mpi: what `search index --mpi` and `search serve --mpi` run under
# mpirun, found beside ./search; ./search itself never links libmpi.
$(BUILD)/src/mpi/%.o: src/mpi/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(MPICC) $(REQFLAGS) $(CFLAGS) -c $< -o $@

# Its front end serves HTTP with search serve's own server (src/serve/).
SERVE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/serve/*.c))
$(BUILD)/search-mpi: $(MPI_OBJ) $(SERVE_OBJ) $(BUILD)/web.o $(BUILD)/libsearch.a
	$(MPICC) $(REQFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(MPI_OBJ) $(SERVE_OBJ) $(BUILD)/web.o $(BUILD)/libsearch.a $(LDLIBS) -lmicrohttpd

search-mpi: $(BUILD)/search-mpi ## ./search-mpi, for search index/serve --mpi (needs libopenmpi-dev)
	cp $< $@

# run_hex: one index's hits with exact scores, to compare with a sharded run's.
$(BUILD)/tests/tools/run_hex: tests/tools/run_hex.c $(BUILD)/libsearch.a
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsearch.a $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/tests/.deps/%.d $(BUILD)/tests/check.o $(BUILD)/libsearch.a
	@mkdir -p $(dir $@) $(dir $(BUILD)/tests/.deps/$*)
	$(CC) $(REQFLAGS) $(DEPFLAGS) -MF $(BUILD)/tests/.deps/$*.d $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/check.o $(BUILD)/libsearch.a $(LDLIBS)

$(BUILD)/tests/check.o: tests/check.c $(BUILD)/tests/check.d
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@

# The fault-injection shim test_crash.sh preloads (tests/tools/faultio.c). It
# is built without the sanitizers whatever CFLAGS says: it is loaded into the
# sanitized binary beside their runtime, not linked with it.
$(BUILD)/tests/tools/faultio.so: tests/tools/faultio.c $(BUILD)/tests/tools/faultio.d
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) -O2 -g -fPIC -shared -o $@ $< -ldl

# What the tests run: the unit-test binaries, ./search and the shim;
# tests/run.sh runs them all and prints the total.
unit: $(TEST_BIN) $(BUILD)/search $(BUILD)/tests/tools/faultio.so $(MPI_BIN) $(BUILD)/tests/tools/run_hex ## build the unit tests (tests/run.sh runs them)
e2e: $(BUILD)/search $(BUILD)/tests/tools/faultio.so $(MPI_BIN) $(BUILD)/tests/tools/run_hex ## build what the end-to-end tests need

TEST_MINUTES = about 6 minutes on two idle cores, more on a busy machine
test: ## unit + end-to-end tests, again under ASan+UBSan and TSan, fuzzing (about 6 min)
	@echo "make test: unit and end-to-end tests, then again under ASan+UBSan, the threaded ones under TSan, and $(FUZZ_SECONDS) s of fuzzing per target: $(TEST_MINUTES)"
	@$(MAKE) --no-print-directory test-deps
	$(MAKE) --no-print-directory unit
	BUILD=$(BUILD) sh tests/run.sh
	$(MAKE) --no-print-directory check-asan
	$(MAKE) --no-print-directory check-tsan
	$(MAKE) --no-print-directory fuzz

check-asan: test-deps ## only the ASan+UBSan pass (build-asan)
	$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SANFLAGS)" unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BUILD=build-asan sh tests/run.sh

# ThreadSanitizer: the tests whose code runs threads (the indexer's
# workers, the text store's compression helper, bisection's threads, and
# one index searched from four threads at once, through the internals and
# through the public API; srch_builder's thread) and search serve under its
# end-to-end test, built with -fsanitize=thread into build-tsan. A race report fails the run; the
# suppressions file says why each entry it holds is safe.
TSAN_FLAGS  = -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS  = index/test_indexer index/test_docstore index/test_bisection index/test_reindex \
              query/test_concurrent_search api/test_api
TSAN_OPTS   = halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp
TSAN_BUILD ?= build-tsan
.PHONY: check-tsan
check-tsan: deps ## the threaded tests under ThreadSanitizer (build-tsan)
	$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CFLAGS="$(TSAN_FLAGS)" $(TSAN_TESTS:%=$(TSAN_BUILD)/tests/%)
	@for t in $(TSAN_TESTS); do \
	  TSAN_OPTIONS="$(TSAN_OPTS)" $(TSAN_BUILD)/tests/$$t >$(TSAN_BUILD)/tests/$$t.log 2>&1 \
	    || { cat $(TSAN_BUILD)/tests/$$t.log; echo "$$t: FAILED under ThreadSanitizer"; exit 1; }; \
	  tail -n 1 $(TSAN_BUILD)/tests/$$t.log; \
	done
	@# the server: its request threads, the index watcher, generations released
	$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CFLAGS="$(TSAN_FLAGS)" $(TSAN_BUILD)/search
	@rm -f $(TSAN_BUILD)/serve.tsan.*
	@TSAN_OPTIONS="$(TSAN_OPTS) log_path=$(CURDIR)/$(TSAN_BUILD)/serve.tsan" SEARCH=$(CURDIR)/$(TSAN_BUILD)/search \
	  sh tests/serve/test_serve.sh >$(TSAN_BUILD)/serve.log 2>&1 && ! ls $(TSAN_BUILD)/serve.tsan.* >/dev/null 2>&1 \
	  || { cat $(TSAN_BUILD)/serve.log $(TSAN_BUILD)/serve.tsan.* 2>/dev/null; echo "test_serve: FAILED under ThreadSanitizer"; exit 1; }
	@tail -n 1 $(TSAN_BUILD)/serve.log

# The differential update test at length, outside `make test` (which runs
# its 200 rounds): SOAK_ROUNDS rounds for each seed in SOAK_SEEDS, under
# ASan+UBSan. A failing round keeps its corpus and indexes for a look.
SOAK_ROUNDS ?= 2000
SOAK_SEEDS  ?= 1 2 3 4 5
.PHONY: soak
soak: test-deps ## the differential update test for SOAK_ROUNDS rounds per seed
	$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SANFLAGS)" build-asan/tests/index/test_update_diff
	@for s in $(SOAK_SEEDS); do \
	  DIFF_ROUNDS=$(SOAK_ROUNDS) DIFF_SEED=$$s build-asan/tests/index/test_update_diff || exit 1; \
	done

# Fuzzing (libFuzzer, with ASan+UBSan): each target in tests/fuzz runs for
# FUZZ_SECONDS from its seeds; a crash, a sanitizer report or a failed
# invariant stops make with the reproducer saved in $(BUILD)/fuzz.
FUZZ_SECONDS ?= 20
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_FLAGS    = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz-deps: ## check (as root: install) the packages fuzzing needs
	$(call packages,$(BUILD_PKGS) $(FUZZ_PKGS))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(HEADERS) tests/testcorpus.h
	@mkdir -p $(dir $@)
	clang $(REQFLAGS) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

fuzz: fuzz-deps ## each fuzzer for FUZZ_SECONDS (20)
	$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/$$name.corpus; \
	  echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
	  ( cd $(BUILD)/fuzz && ./$$name -max_total_time=$(FUZZ_SECONDS) -seed=1 -print_final_stats=0 \
	      $$name.corpus $(CURDIR)/tests/fuzz/$${name#fuzz_}_seeds ) >$(BUILD)/fuzz/$$name.log 2>&1 \
	    || { tail -n 40 $(BUILD)/fuzz/$$name.log; echo "$$name: FAILED (log: $(BUILD)/fuzz/$$name.log)"; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' $(BUILD)/fuzz/$$name.log | tail -n 1; echo "$$name: no failures"; \
	done

# Longer fuzzing, outside `make test`: each target for FUZZ_LONG_SECONDS
# from its seeds and what earlier runs kept, with a random seed (libFuzzer
# logs it), then for FUZZ_SHORT_SECONDS with inputs of FUZZ_SHORT_LEN
# bytes at most, from the start (-len_control=0: libFuzzer's limit grows
# from the seeds' few bytes too slowly to get there: fuzz_index was at 12
# after two minutes), a dozen of fuzz_index's edits at once (it found a
# 4 GiB allocation that way). A hang is reported after a minute on one
# input (libFuzzer's default, 20 minutes, outlasts the run). Failures as
# for `make fuzz`.
FUZZ_LONG_SECONDS  ?= 600
FUZZ_SHORT_SECONDS ?= $(shell expr $(FUZZ_LONG_SECONDS) / 5)
FUZZ_SHORT_LEN     ?= 64
.PHONY: fuzz-long
fuzz-long: fuzz-deps ## each fuzzer for 10 minutes, then short inputs
	$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/$$name.corpus; \
	  for pass in long short; do \
	    if [ $$pass = long ]; then opts="-max_total_time=$(FUZZ_LONG_SECONDS)"; \
	    else opts="-max_total_time=$(FUZZ_SHORT_SECONDS) -max_len=$(FUZZ_SHORT_LEN) -len_control=0"; fi; \
	    log=$(BUILD)/fuzz/$$name.$$pass.log; \
	    echo "fuzzing $$name: $$opts"; \
	    ( cd $(BUILD)/fuzz && ./$$name $$opts -timeout=60 -print_final_stats=0 \
	        $$name.corpus $(CURDIR)/tests/fuzz/$${name#fuzz_}_seeds ) >$$log 2>&1 \
	      || { tail -n 40 $$log; echo "$$name: FAILED (log: $$log)"; exit 1; }; \
	    grep -E '^#[0-9]+.*DONE' $$log | tail -n 1; echo "$$name ($$pass): no failures"; \
	  done; \
	done

# Benchmarks (bench/README.md). bench_search times our engine in process.
$(BUILD)/bench/%: bench/%.c $(BUILD)/libsearch.a
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsearch.a $(LDLIBS)

# serve_bench writes the server's answers with its own code (src/serve/reply.c).
$(BUILD)/bench/serve_bench: bench/serve_bench.c $(BUILD)/src/serve/reply.o $(BUILD)/libsearch.a
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/src/serve/reply.o $(BUILD)/libsearch.a $(LDLIBS)

bench-tools: $(BUILD)/bench/bench_search $(BUILD)/bench/dump_passages $(BUILD)/bench/index_stats $(BUILD)/bench/codec_bench $(BUILD)/bench/plot_latency $(BUILD)/bench/store_codec $(BUILD)/bench/store_layout $(BUILD)/bench/mem_latency ## the benchmark programs

# codec_bench compares our codec with Debian's libstreamvbyte-dev.
$(BUILD)/bench/codec_bench: bench/codec_bench.c $(BUILD)/libsearch.a
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsearch.a $(LDLIBS) -lstreamvbyte

# store_codec compares the text store's zstd with zlib and libdeflate.
$(BUILD)/bench/store_codec: bench/store_codec.c $(BUILD)/libsearch.a
	@mkdir -p $(dir $@)
	$(CC) $(REQFLAGS) $(DEPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsearch.a $(LDLIBS) -ldeflate

# bench_search and the library with work counters (reader.h, WorkCounters):
# blocks decoded and scored per query, for comparing two ways of pruning
# without timing them. A build of its own, so that no other one counts.
bench-counters: ## build-count/bench/bench_search, which prints blocks decoded per query
	@$(MAKE) --no-print-directory BUILD=build-count CFLAGS="$(CFLAGS) -DSEARCH_COUNTERS" build-count/bench/bench_search

bench-deps: ## check (as root: install) the packages benchmarks need
	$(call packages,$(BUILD_PKGS) $(BENCH_PKGS))

# The full benchmark (about 20 minutes) and a small one (under two minutes).
bench: bench-deps ## the full benchmark (about 35 minutes; bench/README.md)
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory bench-tools
	$(MAKE) --no-print-directory -C bench/peers
	sh bench/run.sh

bench-indexing: bench-deps ## indexing speed and memory, and where the time goes
	@$(MAKE) --no-print-directory search
	sh bench/indexing.sh

bench-indexing-10m: bench-deps ## a 10M-passage build with --memory 1G (about 5 minutes, 8 GB of disk)
	@$(MAKE) --no-print-directory search
	sh bench/indexing_10m.sh

bench-reorder: bench-deps ## indexes without and with --reorder
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory bench-tools
	sh bench/reorder.sh

bench-ranking: bench-deps ## latency of RM3 and article evidence on 1M synthetic passages
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory bench-tools
	sh bench/ranking_latency.sh

bench-quick: bench-deps ## a small benchmark (under two minutes)
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory bench-tools
	$(MAKE) --no-print-directory -C bench/peers
	sh bench/run.sh --quick

# Open + one query on 1M and 10M synthetic passages (bench/open.sh; the
# first run makes the 10M corpus and index, 7 GB, in about 10 minutes).
.PHONY: bench-open
bench-open: bench-deps ## open + one query on 1M and 10M passages
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory $(BUILD)/bench/open_bench
	sh bench/open.sh

# search serve under load (wrk, loopback) and a soak with reindexes (bench/serve.sh, serve_soak.sh).
.PHONY: bench-serve bench-soak
bench-serve: bench-deps ## search serve under wrk at concurrency 1-32 (simplewiki, syn1m)
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory $(BUILD)/bench/serve_bench
	sh bench/serve.sh

bench-soak: bench-deps ## search serve for 10 minutes under load, reindexed every 30 s
	@$(MAKE) --no-print-directory search
	sh bench/serve_soak.sh

# Ranking quality on the judged collections (bench/effectiveness/), and the
# parameter sweep the defaults were chosen by.
effectiveness: bench-deps ## MAP, nDCG@10, ... on cranfield/cisi/cacm, ours and peers
	@$(MAKE) --no-print-directory search
	$(MAKE) --no-print-directory -C bench/peers
	sh bench/effectiveness/run.sh

sweep: all ## the parameter sweep behind the defaults (SWEEP=full: every index setting too)
	@if [ "$(SWEEP)" = full ]; then RM3S="off 0.5 0.7" ARTICLES="0 0.1" sh bench/effectiveness/sweep.sh; \
	else STOPS=on SIZES=250 TITLES=0 K1S="0.9 1.2 1.5" BS="0.4 0.6 0.75" RM3S="off 0.5 0.7 0.8" \
	  ARTICLES="0 0.1" NAME=sweep-ranking sh bench/effectiveness/sweep.sh; fi

# The finer grid of issue 30 (b, RM3's weight and feedback, proximity), and
# which settings meet its targets, with p-values (bench/results/sweep-fine.md,
# sweep-targets.md). The binary is copied first: a rebuild meanwhile changes nothing.
SWEEP_FINE = STOPS=on SIZES=250 TITLES=0 K1S=1.2 BS="0.4 0.5 0.6 0.75" RM3S="off 0.8 0.85 0.9 0.93 0.95" \
             FBS="10/10 10/20 5/10 20/20" PROXS="0 0.2 0.35 0.5 0.7" ARTICLES=0 JOBS=3 NAME=sweep-fine
sweep-fine: all ## issue 30's finer sweep and its targets with p-values (about an hour on two cores)
	mkdir -p bench/work/sweep && cp $(BUILD)/search bench/work/sweep/search
	$(SWEEP_FINE) SEARCH=bench/work/sweep/search sh bench/effectiveness/sweep.sh
	python3 bench/effectiveness/targets.py bench/results/sweep-fine.csv bench/work/sweep/sweep-fine/q \
	  >bench/results/sweep-targets.md

ranking: all ## each ranking option's gain over BM25, with p-values (bench/results/ranking.md)
	sh bench/effectiveness/ranking.sh

# DESTDIR stages the files for a package; PREFIX is where they will live.
# Where Debian's python3 finds modules installed under PREFIX.
PYDIR ?= $(PREFIX)/lib/python3/dist-packages

install: search lib ## PREFIX=/usr/local DESTDIR=: the program, libraries, header, man page, Python module
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PYDIR)
	install -m 644 python/libsearch.py $(DESTDIR)$(PYDIR)/libsearch.py
	install -m 644 docs/search.1 $(DESTDIR)$(PREFIX)/share/man/man1/search.1
	install -m 755 search $(DESTDIR)$(PREFIX)/bin/search
	install -m 644 $(BUILD)/libsearch.a $(DESTDIR)$(PREFIX)/lib/libsearch.a
	install -m 755 $(BUILD)/libsearch.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/lib/libsearch.so.$(SO_VERSION)
	ln -sf libsearch.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/lib/libsearch.so.$(SO_MAJOR)
	ln -sf libsearch.so.$(SO_MAJOR) $(DESTDIR)$(PREFIX)/lib/libsearch.so
	install -m 644 include/libsearch.h $(DESTDIR)$(PREFIX)/include/libsearch.h
	$(PC_SED) include/libsearch.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/libsearch.pc

uninstall: ## what install installed
	rm -f $(DESTDIR)$(PREFIX)/bin/search $(DESTDIR)$(PREFIX)/lib/libsearch.a \
	  $(DESTDIR)$(PREFIX)/lib/libsearch.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/lib/libsearch.so.$(SO_MAJOR) \
	  $(DESTDIR)$(PREFIX)/lib/libsearch.so $(DESTDIR)$(PREFIX)/include/libsearch.h \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/libsearch.pc $(DESTDIR)$(PREFIX)/share/man/man1/search.1 \
	  $(DESTDIR)$(PYDIR)/libsearch.py

clean: ## remove build, build-asan, build-tsan, ./search and ./search-mpi
	rm -rf build build-asan build-tsan search search-mpi

# The collective round of search serve --mpi: its cost per query and the
# queries per second with batching (bench/mpi.sh; 4 shard ranks on one host).
.PHONY: bench-mpi
bench-mpi: bench-deps ## search serve --mpi: per-query cost of the collective round, QPS by batch size
	@$(MAKE) --no-print-directory search search-mpi
	sh bench/mpi.sh

# The headers each object and program was built from (DEPFLAGS); a .d file
# that is missing is "made" by doing nothing, which rebuilds its object.
$(DEP_FILES):
-include $(wildcard $(DEP_FILES) $(BUILD)/bench/*.d)
