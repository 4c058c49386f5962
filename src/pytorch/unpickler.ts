// A restricted unpickler: it understands the pickle opcodes (protocols 0–5, binary forms) and only the
// globals needed to rebuild tensors and the containers around them. It never imports or calls
// anything: GLOBAL/STACK_GLOBAL resolve against the allow-list below to inert descriptions, REDUCE
// applies one of a handful of known constructors written here, and any other global is refused with
// a message naming it (so a pickle that reaches for os.system, builtins.eval or a user's class stops
// there, before anything would have run).

/** A global from the allow-list, as an inert value. */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** A storage named by BINPERSID: ('storage', storage_type, key, location, numel). */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: string;
  readonly key: string;
  readonly numel: number;
}

/** A tensor view of a storage, as _rebuild_tensor_v2 describes it. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: number[];
  readonly stride: number[];
}

/** A PyTorch storage class → element type (our DType names). */
export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** torch.<dtype> attributes that may appear as values (e.g. in Lightning hyper-parameters): kept as strings. */
const TORCH_DTYPES = new Set(['float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int', 'int16', 'int8', 'uint8', 'bool', 'float8_e4m3fn', 'float8_e5m2']);

/** Mapping types that are plain data (their pickled state is a dict). */
const DICT_CLASSES = new Set([
  'collections.OrderedDict', 'builtins.dict', 'argparse.Namespace',
  'pytorch_lightning.utilities.parsing.AttributeDict', 'lightning.fabric.utilities.data.AttributeDict',
  'lightning_fabric.utilities.data.AttributeDict', 'lightning.pytorch.utilities.parsing.AttributeDict',
]);

const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor']);
const REBUILD_PARAMETER = new Set(['torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state']);

export class PickleRefused extends Error {
  constructor(readonly global: string) {
    super(`refused to load: the pickle asks for the global '${global}', which is not a tensor, storage or plain container (a checkpoint holding code or custom objects could run it; Theory Lens reads only state dicts: save model.state_dict() instead)`);
    this.name = 'PickleRefused';
  }
}

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** Resolves an allowed global to an inert value; throws PickleRefused for anything else. */
export function allowGlobal(module: string, name: string): unknown {
  const full = `${module}.${name}`;
  if (REBUILD_TENSOR.has(full) || REBUILD_PARAMETER.has(full) || DICT_CLASSES.has(full)) return { kind: 'global', module, name } satisfies PickleGlobal;
  if ((module === 'torch' || module === 'torch.storage') && name in STORAGE_DTYPES) return { kind: 'global', module, name } satisfies PickleGlobal;
  if (module === 'torch' && TORCH_DTYPES.has(name)) return `torch.${name}`;
  if (full === 'torch.torch_version.TorchVersion' || full === '_codecs.encode' || full === 'builtins.set' || full === 'builtins.frozenset') return { kind: 'global', module, name } satisfies PickleGlobal;
  throw new PickleRefused(full);
}


function isGlobal(x: unknown, full?: string): x is PickleGlobal {
  return !!x && typeof x === 'object' && (x as PickleGlobal).kind === 'global' && (!full || `${(x as PickleGlobal).module}.${(x as PickleGlobal).name}` === full);
}

/** Applies an allowed callable (REDUCE / NEWOBJ) to its arguments; never runs anything else. */
function apply(fn: unknown, args: unknown): unknown {
  if (!isGlobal(fn)) throw new PickleError(`REDUCE on a non-callable value`);
  const full = `${fn.module}.${fn.name}`;
  const a = Array.isArray(args) ? args : [];
  if (REBUILD_TENSOR.has(full)) {
    const [storage, offset, size, stride] = a as [StorageRef, number, number[], number[]];
    if (!storage || (storage as StorageRef).kind !== 'storage') throw new PickleError(`${full}: first argument is not a storage`);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length) {
      throw new PickleError(`${full}: offset/size/stride are not integers of equal rank`);
    }
    return { kind: 'tensor', storage, offset, size: size.map(Number), stride: stride.map(Number) } satisfies TensorRef;
  }
  if (REBUILD_PARAMETER.has(full)) return a[0];
  if (DICT_CLASSES.has(full)) {
    const m = new Map<unknown, unknown>();
    if (a[0] instanceof Map) for (const [k, v] of a[0]) m.set(k, v);
    else if (Array.isArray(a[0])) for (const kv of a[0] as unknown[][]) if (Array.isArray(kv)) m.set(kv[0], kv[1]);
    return m;
  }
  if (full === 'torch.torch_version.TorchVersion') return String(a[0] ?? '');
  if (full === '_codecs.encode') {
    const s = String(a[0] ?? '');
    return Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
  }
  if (full === 'builtins.set' || full === 'builtins.frozenset') return Array.isArray(a[0]) ? [...a[0]] : [];
  throw new PickleError(`the global '${full}' cannot be called`);
}

export interface UnpickleOptions {
  /** BINPERSID/PERSID: the persistent id (a tuple) → the object it stands for. */
  persistentLoad(pid: unknown): unknown;
  /** Most memo entries / stack items allowed (bounded memory on hostile input). */
  maxItems?: number;
}

/** Unpickles `data`. Dicts become Maps, tuples and lists arrays, bytes Uint8Arrays. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const maxItems = options.maxItems ?? 50_000_000;
  let p = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const td = new TextDecoder('utf-8');
  const need = (n: number) => {
    if (n < 0 || p + n > data.length) throw new PickleError(`truncated pickle (needs ${n} bytes at ${p} of ${data.length})`);
  };
  const u8 = () => (need(1), data[p++]);
  const u16 = () => (need(2), (p += 2), dv.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), dv.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), dv.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    p += 8;
    const v = dv.getBigUint64(p - 8, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('length over 2^53');
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    p += n;
    return data.subarray(p - n, p);
  };
  const line = () => {
    const e = data.indexOf(0x0a, p);
    if (e < 0) throw new PickleError('truncated pickle (no newline)');
    const s = td.decode(data.subarray(p, e));
    p = e + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw new PickleError('pickle stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (!stack.length) throw new PickleError('pickle stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError('pickle MARK missing');
    return stack.splice(m);
  };
  const push = (v: unknown) => {
    if (stack.length >= maxItems) throw new PickleError('pickle stack too deep');
    stack.push(v);
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    if (!(target instanceof Map)) throw new PickleError('SETITEM(S) on a value that is not a dict');
    for (let i = 0; i + 1 < kv.length; i += 2) target.set(kv[i], kv[i + 1]);
  };
  const long = (b: Uint8Array): number => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return Number(v);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(bytes(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); if (n < 0) throw new PickleError('negative LONG4 length'); push(long(bytes(n))); break; }
      case 0x49: { const s = line(); push(s === '01' ? true : s === '00' ? false : Number(s)); break; } // INT
      case 0x4c: push(Number(line().replace(/L$/, ''))); break; // LONG
      case 0x46: push(Number(line())); break; // FLOAT
      case 0x47: need(8); p += 8; push(dv.getFloat64(p - 8, false)); break; // BINFLOAT (big-endian)
      case 0x58: push(td.decode(bytes(u32()))); break; // BINUNICODE
      case 0x8c: push(td.decode(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(td.decode(bytes(u64()))); break; // BINUNICODE8
      case 0x56: push(line()); break; // UNICODE (raw-unicode-escape; ASCII in practice)
      case 0x54: push(td.decode(bytes(i32()))); break; // BINSTRING
      case 0x55: push(td.decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x53: push(line().replace(/^['"]|['"]$/g, '')); break; // STRING
      case 0x42: push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x96: push(bytes(u64()).slice()); break; // BYTEARRAY8
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push([]); break; // EMPTY_TUPLE
      case 0x8f: push([]); break; // EMPTY_SET
      case 0x74: push(popMark()); break; // TUPLE
      case 0x85: push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push([a, b, c]); break; } // TUPLE3
      case 0x6c: push(popMark()); break; // LIST
      case 0x64: { const kv = popMark(); const m = new Map(); setItems(m, kv); push(m); break; } // DICT
      case 0x91: push(popMark()); break; // FROZENSET
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) throw new PickleError('APPEND to a non-list'); l.push(v); break; }
      case 0x65: { const vs = popMark(); const l = top(); if (!Array.isArray(l)) throw new PickleError('APPENDS to a non-list'); l.push(...vs); break; }
      case 0x90: { const vs = popMark(); const l = top(); if (!Array.isArray(l)) throw new PickleError('ADDITEMS to a non-set'); l.push(...vs); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: { if (memo.size >= maxItems) throw new PickleError('pickle memo too large'); memo.set(memo.size, top()); break; } // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) throw new PickleError(`memo key ${k} missing`);
        push(memo.get(k));
        break;
      }
      case 0x63: { const module = line(); const name = line(); push(allowGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        push(allowGlobal(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); push(apply(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); push(apply(cls, args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); push(apply(cls, args)); break; } // NEWOBJ_EX
      case 0x62: { // BUILD: state onto a known mapping type (OrderedDict's _metadata, Namespace's fields)
        const state = pop();
        const obj = top();
        if (obj instanceof Map && state instanceof Map) {
          for (const [k, v] of state) if (k !== '_metadata') obj.set(k, v);
        } else if (!(obj instanceof Map) && !(obj && typeof obj === 'object' && (obj as TensorRef).kind === 'tensor')) {
          throw new PickleError('BUILD on an object that is not a known container');
        }
        break;
      }
      case 0x51: push(options.persistentLoad(pop())); break; // BINPERSID
      case 0x50: push(options.persistentLoad(line())); break; // PERSID
      case 0x69: { const module = line(); const name = line(); allowGlobal(module, name); throw new PickleError(`INST of '${module}.${name}' is not supported`); }
      case 0x6f: { const items = popMark(); const cls = items.shift(); push(apply(cls, items)); break; } // OBJ
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${p - 1}`);
    }
  }
}
