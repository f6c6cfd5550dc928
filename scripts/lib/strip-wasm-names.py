#!/usr/bin/env python3
"""Removes the `name` custom section (function names for stack traces, ~140 KB) from a
wasm module, in place; everything else is kept byte for byte. wasm-opt would do this,
but its download fails here and Debian's binaryen is too old (see README).

    python3 scripts/lib/strip-wasm-names.py www/pkg/twinnet_bg.wasm
"""
import sys


def leb128(data, i):
    """Reads an unsigned LEB128 at i; returns (value, next index)."""
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def strip_names(data):
    if data[:8] != b"\0asm\1\0\0\0":
        raise ValueError("not a wasm module (version 1)")
    out = bytearray(data[:8])
    i = 8
    while i < len(data):
        start = i
        section_id = data[i]
        size, body = leb128(data, i + 1)
        end = body + size
        if end > len(data):
            raise ValueError(f"section at byte {start} runs past the end")
        if section_id == 0:
            name_len, name_start = leb128(data, body)
            if data[name_start:name_start + name_len] == b"name":
                i = end
                continue
        out += data[start:end]
        i = end
    return bytes(out)


def main(path):
    data = open(path, "rb").read()
    stripped = strip_names(data)
    open(path, "wb").write(stripped)
    print(f"strip-wasm-names: {path}: {len(data)} → {len(stripped)} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
