"""Builds shardis's compiled data structures (shardis/native) with gcc and the Python
headers only. pyproject.toml holds the project's metadata; this file only adds the
extension module. SHARDIS_NATIVE_CFLAGS / SHARDIS_NATIVE_LDFLAGS add flags (make asan
uses them for an AddressSanitizer build in a separate directory)."""
import os

from setuptools import Extension, setup

NATIVE = "shardis/native"
CFLAGS = ["-O2", "-Wall", "-Wextra", "-std=gnu11"] + os.environ.get("SHARDIS_NATIVE_CFLAGS", "").split()
LDFLAGS = os.environ.get("SHARDIS_NATIVE_LDFLAGS", "").split()

setup(
    ext_modules=[
        Extension(
            "shardis.native._keytable",
            sources=[f"{NATIVE}/keytable.c"],
            depends=[f"{NATIVE}/htcore.h", f"{NATIVE}/hashfn.h"],
            extra_compile_args=CFLAGS,
            extra_link_args=LDFLAGS,
        )
    ],
)
