#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Decode every record of a tape's `events` DB with Python's msgpack, independently of the C code.
#
# Usage: mdb_dump -s events TAPE_DIR > dump.txt     (hex format: -p output is ambiguous
#        in LMDB 0.9.24, which prints a backslash unescaped)
#        tests/tape_interop.py dump.txt [expected.txt]
# Prints one line per record: seq kind wall_ns session conversation raw_hex n_headers
# (empty fields as "-"); with expected.txt, exits 1 unless the lines match exactly.
# Also checks each record's CRC-32C entry (field 127, the last 6 bytes) and that seq == key.
import sys

import msgpack

CRC_FIELD = 127


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def records(path):
    with open(path, encoding="ascii") as f:
        lines = f.read().split("\n")
    i = lines.index("HEADER=END") + 1
    while lines[i] != "DATA=END":
        key, val = bytes.fromhex(lines[i][1:]), bytes.fromhex(lines[i + 1][1:])
        yield int.from_bytes(key, "big"), val
        i += 2


def text(v):
    if v is None or len(v) == 0:
        return "-"
    return v if isinstance(v, str) else v.decode("latin-1")


def main():
    out = []
    for key, rec in records(sys.argv[1]):
        m = msgpack.unpackb(rec, strict_map_key=False, raw=False)
        keys = list(m.keys())
        if keys[-1] != CRC_FIELD or rec[-6:-4] != b"\x7f\xce":
            sys.exit(f"seq {key}: the CRC entry is not last")
        if m[CRC_FIELD] != crc32c(rec[:-6]):
            sys.exit(f"seq {key}: CRC-32C mismatch")
        if m[1] != key:
            sys.exit(f"seq {key}: record says seq {m[1]}")
        raw = m.get(8, b"")
        out.append(f"{m[1]} {m[2]} {m.get(4, 0)} {text(m.get(6))} {text(m.get(7))} "
                   f"{raw.hex() or '-'} {len(m.get(15, []))}")
    print("\n".join(out))
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            want = f.read().split("\n")
        want = [w for w in want if w]
        if want != out:
            for i, (a, b) in enumerate(zip(want, out)):
                if a != b:
                    sys.exit(f"record {i}: expected\n  {a}\ngot\n  {b}")
            sys.exit(f"expected {len(want)} records, decoded {len(out)}")


if __name__ == "__main__":
    main()
