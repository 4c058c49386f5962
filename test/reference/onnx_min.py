"""A minimal, standalone ONNX reader (stdlib + numpy): initializers (raw_data, float_data), nodes with
their int/ints/float/string attributes, graph inputs with shapes. Written independently of the
TypeScript reader so the two can check each other. Field numbers: onnx/onnx.proto."""
import struct
import numpy as np


def _varint(b, i):
    shift = 0
    v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


def fields(b, start=0, end=None):
    """Yields (field_number, wire_type, value) where value is an int (varint), bytes (len-delimited) or raw bytes (fixed)."""
    end = len(b) if end is None else end
    i = start
    while i < end:
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        yield num, wt, v


def _signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


DTYPES = {1: np.float32, 10: np.float16, 11: np.float64, 7: np.int64, 6: np.int32, 3: np.int8, 2: np.uint8}


def tensor(b):
    name, dims, dt, raw, floats = "", [], 1, None, []
    for num, wt, v in fields(b):
        if num == 1:
            if wt == 2:
                j = 0
                while j < len(v):
                    d, j = _varint(v, j)
                    dims.append(_signed(d))
            else:
                dims.append(_signed(v))
        elif num == 2:
            dt = v
        elif num == 8:
            name = v.decode()
        elif num == 9:
            raw = bytes(v)
        elif num == 4:
            floats.extend(struct.unpack(f"<{len(v) // 4}f", v) if wt == 2 else struct.unpack("<f", v))
    if raw is not None:
        arr = np.frombuffer(raw, dtype=DTYPES[dt]).astype(np.float64)
    else:
        arr = np.array(floats, dtype=np.float64)
    return name, arr.reshape(dims) if dims else arr


def node(b):
    n = {"inputs": [], "outputs": [], "name": "", "op": "", "attrs": {}}
    for num, wt, v in fields(b):
        if num == 1:
            n["inputs"].append(v.decode())
        elif num == 2:
            n["outputs"].append(v.decode())
        elif num == 3:
            n["name"] = v.decode()
        elif num == 4:
            n["op"] = v.decode()
        elif num == 5:
            aname, val, ints = "", None, []
            for an, awt, av in fields(v):
                if an == 1:
                    aname = av.decode()
                elif an == 3:
                    val = _signed(av)
                elif an == 2:
                    val = struct.unpack("<f", av)[0]
                elif an == 8:
                    if awt == 2:
                        j = 0
                        while j < len(av):
                            d, j = _varint(av, j)
                            ints.append(_signed(d))
                    else:
                        ints.append(_signed(av))
            n["attrs"][aname] = ints if ints else val
    return n


def load(path):
    data = open(path, "rb").read()
    model = {"initializers": {}, "nodes": [], "inputs": []}
    for num, wt, v in fields(data):
        if num == 7:
            for gn, gwt, gv in fields(v):
                if gn == 5:
                    name, arr = tensor(gv)
                    model["initializers"][name] = arr
                elif gn == 1:
                    model["nodes"].append(node(gv))
    return model
