# make run  : create the venv, install shardis, start it on 6379 (foreground)
# make test : install test deps and run the whole suite
# Prefer the distribution's CPython (built with PGO+LTO: ~1.4x faster on the hot path than a
# plain source build, measured with benchmarks/hotpath.py) when it is 3.11 or newer.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
# The stamp changes with the build inputs, so a changed C source rebuilds the extension
# (pip install -e builds shardis/native/_keytable*.so in place).
NATIVE_SRC := $(sort $(wildcard shardis/native/*.c shardis/native/*.h))
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py $(NATIVE_SRC) | cksum | cut -d' ' -f1)
ASAN_DIR := build/asan

.PHONY: run test venv clean table asan

$(STAMP): pyproject.toml setup.py $(NATIVE_SRC)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m shardis

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

# The native tests against an AddressSanitizer build of the extension, kept in build/asan
# (the normal in-place build is untouched); PYTHONMALLOC=malloc lets ASan see every block.
asan: $(STAMP)
	SHARDIS_NATIVE_CFLAGS="-fsanitize=address -fno-omit-frame-pointer -O1 -g" \
	SHARDIS_NATIVE_LDFLAGS="-fsanitize=address" \
	  $(PY) setup.py -q build_ext --force --build-lib $(ASAN_DIR)/lib --build-temp $(ASAN_DIR)/tmp
	SHARDIS_NATIVE_DIR="$(CURDIR)/$(ASAN_DIR)/lib/shardis/native" \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 PYTHONMALLOC=malloc \
	SHARDIS_EXPECT_ASAN=1 $(PY) -m pytest -q -p no:cacheprovider --capture=sys tests/unit/native

table:
	$(PY) tools/gen_command_table.py ../shared/redis-commands

clean:
	rm -rf $(VENV) build *.egg-info
