"""A minimal, standalone ONNX decoder (stdlib + numpy), written independently of Theory Lens's TypeScript
reader so that the two can check each other.

It reads what the weight-only reference needs: initializers (raw_data, float_data, double_data, int32_data
for 16-bit floats; float32/float16/bfloat16/float64 and the integer types), Constant nodes' tensors, nodes
(op_type, name, inputs, outputs, int/ints/float/floats/string attributes), graph inputs with their shapes,
and the opset imports. Field numbers are those of onnx/onnx.proto (checked against the PyTorch 1.13 opset-13
exports in shared/fixtures/fmnist: ModelProto.graph = 7, GraphProto.node = 1, .initializer = 5, .input = 11,
NodeProto.input/output/name/op_type/attribute = 1/2/3/4/5, AttributeProto.f/i/ints/type = 2/3/8/20).

Errors are raised as OnnxError naming the file and the problem (truncated message, bad wire type, a
tensor whose byte count does not match its shape, external data, an unknown data type)."""
import struct

import numpy as np


class OnnxError(ValueError):
    """A malformed or unsupported ONNX file; the message starts with the file's path."""


# TensorProto.DataType → numpy dtype of raw_data. 16 (bfloat16) is decoded separately.
DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
          9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
BFLOAT16 = 16


def varint(b, i):
    """1. Protobuf base-128 varint at b[i:] → (value, next index); little-endian 7-bit groups."""
    shift, v = 0, 0
    while True:
        if i >= len(b):
            raise OnnxError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7
        if shift > 63:
            raise OnnxError("varint longer than 10 bytes")


def fields(b):
    """2. The fields of one protobuf message: yields (field number, wire type, value); value is an int
    (wire type 0), a memoryview of the payload (2: length-delimited) or of 8/4 raw bytes (1/5)."""
    b = memoryview(b)
    i, end = 0, len(b)
    while i < end:
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            if i + n > end:
                raise OnnxError(f"truncated fixed{n * 8} field {num}")
            v, i = b[i:i + n], i + n
        elif wt == 2:
            n, i = varint(b, i)
            if i + n > end:
                raise OnnxError(f"field {num} claims {n} bytes, only {end - i} remain (truncated file?)")
            v, i = b[i:i + n], i + n
        else:
            raise OnnxError(f"unsupported wire type {wt} (field {num})")
        yield num, wt, v


def signed64(v):
    """3. Two's-complement reinterpretation of a 64-bit varint (int64 fields)."""
    return v - (1 << 64) if v >= 1 << 63 else v


def repeated_ints(wt, v):
    """4. A repeated int64 field occurrence: packed (wire type 2, a run of varints) or one varint."""
    if wt == 0:
        return [signed64(v)]
    out, j = [], 0
    while j < len(v):
        d, j = varint(v, j)
        out.append(signed64(d))
    return out


def repeated_fixed(wt, v, fmt, size):
    """5. A repeated float/double field occurrence: packed (wire type 2) or a single fixed value."""
    if wt == 2:
        if len(v) % size:
            raise OnnxError(f"packed field of {len(v)} bytes is not a multiple of {size}")
        return list(struct.unpack(f"<{len(v) // size}{fmt}", v))
    return [struct.unpack(f"<{fmt}", v)[0]]


def tensor(b):
    """6. TensorProto → (name, float64 or integer ndarray of shape dims). Sources, in ONNX's order of
    precedence: raw_data (9, little-endian) else float_data (4) / int32_data (5; holds the 16 bits of
    float16 and bfloat16 values) / int64_data (7) / double_data (10)."""
    name, dims, dt, raw = "", [], 0, None
    floats, int32s, int64s, doubles = [], [], [], []
    for num, wt, v in fields(b):
        if num == 1:
            dims.extend(repeated_ints(wt, v))
        elif num == 2:
            dt = v
        elif num == 4:
            floats.extend(repeated_fixed(wt, v, "f", 4))
        elif num == 5:
            int32s.extend(x if x < 1 << 31 else x - (1 << 32) for x in (d & 0xFFFFFFFF for d in repeated_ints(wt, v)))
        elif num == 7:
            int64s.extend(repeated_ints(wt, v))
        elif num == 8:
            name = bytes(v).decode()
        elif num == 9:
            raw = bytes(v)
        elif num == 10:
            doubles.extend(repeated_fixed(wt, v, "d", 8))
        elif num == 14 and v == 1:
            raise OnnxError(f"tensor {name or '?'} stores its data externally (not supported here)")
    count = int(np.prod(dims)) if dims else 1
    if dt != BFLOAT16 and dt not in DTYPES:
        raise OnnxError(f"tensor {name}: unsupported data type {dt}")
    if raw is not None:
        if dt == BFLOAT16:
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[dt]).newbyteorder("<"))
    elif dt == 1:
        arr = np.array(floats, dtype=np.float32)
    elif dt == 11:
        arr = np.array(doubles, dtype=np.float64)
    elif dt == 10:
        arr = np.array(int32s, dtype=np.int64).astype(np.uint16).view(np.float16)
    elif dt == BFLOAT16:
        arr = (np.array(int32s, dtype=np.int64).astype(np.uint32) << 16).view(np.float32)
    elif dt == 7:
        arr = np.array(int64s, dtype=np.int64)
    else:
        arr = np.array(int32s, dtype=DTYPES[dt])
    if arr.size != count:
        raise OnnxError(f"tensor {name}: {arr.size} values for shape {dims} ({count} expected)")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
    return name, arr.reshape(dims)


def attribute(b):
    """7. AttributeProto → (name, value): f (2), i (3), s (4), t (5), floats (7), ints (8)."""
    name, val, ints, floats = "", None, [], []
    for num, wt, v in fields(b):
        if num == 1:
            name = bytes(v).decode()
        elif num == 2:
            val = struct.unpack("<f", v)[0]
        elif num == 3:
            val = signed64(v)
        elif num == 4:
            val = bytes(v).decode(errors="replace")
        elif num == 5:
            val = tensor(v)[1]
        elif num == 7:
            floats.extend(repeated_fixed(wt, v, "f", 4))
        elif num == 8:
            ints.extend(repeated_ints(wt, v))
    return name, ints if ints else floats if floats else val


def node(b):
    """8. NodeProto → {"inputs", "outputs", "name", "op", "domain", "attrs"}."""
    n = {"inputs": [], "outputs": [], "name": "", "op": "", "domain": "", "attrs": {}}
    for num, wt, v in fields(b):
        if num == 1:
            n["inputs"].append(bytes(v).decode())
        elif num == 2:
            n["outputs"].append(bytes(v).decode())
        elif num == 3:
            n["name"] = bytes(v).decode()
        elif num == 4:
            n["op"] = bytes(v).decode()
        elif num == 5:
            k, val = attribute(v)
            n["attrs"][k] = val
        elif num == 7:
            n["domain"] = bytes(v).decode()
    return n


def value_info(b):
    """9. ValueInfoProto → {"name", "elemType", "shape"}: shape dims are ints (dim_value) or strings
    (dim_param, a symbolic size such as "batch") or None (unknown); shape None if no tensor type."""
    name, elem, shape = "", None, None
    for num, _, v in fields(b):
        if num == 1:
            name = bytes(v).decode()
        elif num == 2:
            for tn, _, tv in fields(v):
                if tn != 1:  # TypeProto.tensor_type
                    continue
                for fn, _, fv in fields(tv):
                    if fn == 1:
                        elem = fv
                    elif fn == 2:
                        shape = []
                        for dn, _, dv in fields(fv):
                            if dn != 1:
                                continue
                            d = None
                            for xn, _, xv in fields(dv):
                                d = signed64(xv) if xn == 1 else bytes(xv).decode() if xn == 2 else d
                            shape.append(d)
    return {"name": name, "elemType": elem, "shape": shape}


def load(path):
    """10. Decode an .onnx file → {"initializers": {name: ndarray}, "nodes": [...], "inputs": [...],
    "opset": {domain: version}}. Constant nodes' value tensors join the initializers (both are
    constant operands)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise OnnxError(f"{path}: cannot read ({e.strerror})") from None
    model = {"initializers": {}, "nodes": [], "inputs": [], "opset": {}}
    try:
        graphs = 0
        for num, _, v in fields(data):
            if num == 7:
                graphs += 1
                for gn, _, gv in fields(v):
                    if gn == 1:
                        model["nodes"].append(node(gv))
                    elif gn == 5:
                        name, arr = tensor(gv)
                        model["initializers"][name] = arr
                    elif gn == 11:
                        model["inputs"].append(value_info(gv))
            elif num == 8:
                dom, ver = "", None
                for on, _, ov in fields(v):
                    dom, ver = (bytes(ov).decode(), ver) if on == 1 else (dom, ov) if on == 2 else (dom, ver)
                model["opset"][dom] = ver
        if graphs == 0:
            raise OnnxError("no graph (field 7) found: not an ONNX model")
    except OnnxError as e:
        raise OnnxError(f"{path}: {e}") from None
    except (UnicodeDecodeError, struct.error, ValueError, TypeError) as e:
        raise OnnxError(f"{path}: malformed protobuf ({e})") from None
    for n in model["nodes"]:
        if n["op"] == "Constant" and isinstance(n["attrs"].get("value"), np.ndarray) and n["outputs"]:
            model["initializers"].setdefault(n["outputs"][0], n["attrs"]["value"])
    return model
