#!/usr/bin/env python3
"""Independent reference for the checkpoint reader: the Frobenius norm of every initializer.

Standalone on purpose (stdlib + numpy; no onnx package, nothing shared with the TypeScript reader or
with test/reference/): its own minimal protobuf decoder walks ModelProto.graph (field 7) →
GraphProto.initializer (field 5) → TensorProto (dims=1, data_type=2, float_data=4, int32_data=5,
int64_data=7, name=8, raw_data=9, double_data=10), decodes float32/float64/float16/bfloat16
tensors, and prints one JSON object per model file:
{"file": ..., "norms": {name: norm}, "sizes": {name: number of elements}}.
Norms are sqrt(sum(x**2)) accumulated in float64.

Usage: python3 ref_norms.py model.onnx [more.onnx ...]
"""
import json
import sys

import numpy as np


def varint(buf, pos):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf, start, end):
    """Yields (field_number, wire_type, value) where value is an int or a (start, end) span."""
    pos = start
    while pos < end:
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value = (pos, pos + 8)
            pos += 8
        elif wire == 2:
            length, pos = varint(buf, pos)
            value = (pos, pos + length)
            pos += length
        elif wire == 5:
            value = (pos, pos + 4)
            pos += 4
        else:
            raise ValueError(f"wire type {wire} at byte {pos}")
        if pos > end:
            raise ValueError("field runs past the end of its message")
        yield number, wire, value


def packed_varints(buf, span):
    out = []
    pos, end = span
    while pos < end:
        v, pos = varint(buf, pos)
        out.append(v - (1 << 64) if v >= 1 << 63 else v)
    return out


def tensor_values(buf, start, end):
    name, dtype, raw = "", 0, None
    floats, doubles, int32s = [], [], []
    for number, wire, value in fields(buf, start, end):
        if number == 2:
            dtype = value
        elif number == 8:
            name = bytes(buf[value[0]:value[1]]).decode("utf-8")
        elif number == 9:
            raw = bytes(buf[value[0]:value[1]])
        elif number == 4:
            floats.append(np.frombuffer(bytes(buf[value[0]:value[1]]), dtype="<f4"))
        elif number == 10:
            doubles.append(np.frombuffer(bytes(buf[value[0]:value[1]]), dtype="<f8"))
        elif number == 5:
            int32s.extend(packed_varints(buf, value) if wire == 2 else [value])
    if dtype == 1:
        x = np.frombuffer(raw, dtype="<f4") if raw is not None else np.concatenate(floats or [np.zeros(0, "<f4")])
    elif dtype == 11:
        x = np.frombuffer(raw, dtype="<f8") if raw is not None else np.concatenate(doubles or [np.zeros(0, "<f8")])
    elif dtype == 10:
        x = np.frombuffer(raw, dtype="<f2") if raw is not None else np.array(int32s, dtype=np.uint16).view(np.float16)
    elif dtype == 16:
        bits = np.frombuffer(raw, dtype="<u2") if raw is not None else np.array(int32s, dtype=np.uint16)
        x = (bits.astype(np.uint32) << 16).view(np.float32)
    else:
        return name, None
    return name, x.astype(np.float64)


def norms(path):
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    out, sizes = {}, {}
    for number, wire, value in fields(buf, 0, len(buf)):
        if number != 7 or wire != 2:
            continue
        for g_number, g_wire, g_value in fields(buf, *value):
            if g_number == 5 and g_wire == 2:
                name, x = tensor_values(buf, *g_value)
                if x is not None:
                    out[name] = float(np.sqrt(np.sum(x * x)))
                    sizes[name] = int(x.size)
    return out, sizes


if __name__ == "__main__":
    for p in sys.argv[1:]:
        n, sizes = norms(p)
        print(json.dumps({"file": p, "norms": n, "sizes": sizes}))
