// Layer roles of a state dict (safetensors, torch.save): a state dict has no graph, so what each
// tensor *is* comes from its name and shape. The rules, in order (README "Layer roles"):
//   a user mapping file (--roles) → LoRA pairs → rank ≤ 1 (norms, biases, scalars: parameters) →
//   GPT-2 Conv1D names (c_attn/c_fc/c_proj store [in, out]) → fused q/k/v names → embedding names →
//   2-D: linear [out, in]; 3/4/5-D: conv [out, in/groups, k…]. Every layer's note says which rule fired.
// A rule value is a role name, or {"role"?, "groups", "inputShape", "strides", "dilations"}: what a state
// dict does not hold about a convolution (its exact operator norm needs groups and the input size).
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../onnx/types';

export type RoleName =
  | 'linear' | 'linear-transposed' | 'conv' | 'conv-transposed' | 'embedding'
  | 'fused-qkv' | 'fused-qkv-transposed' | 'parameter'
  /** GPT-NeoX/BLOOM `query_key_value`: rows [head, q|k|v, head_dim] (needs the head count; not a roles-file role). */
  | 'fused-qkv-heads';

export const ROLE_NAMES: readonly RoleName[] = [
  'linear', 'linear-transposed', 'conv', 'conv-transposed', 'embedding', 'fused-qkv', 'fused-qkv-transposed', 'parameter',
];

/** What a state dict does not hold about a convolution, given in the roles file. */
export interface ConvGeometry {
  /** Number of groups (kernel [out, in/groups, k…]). */
  groups?: number;
  /** The layer's input: spatial dims [H, W] (1-D: [L]), or the whole [N, C, H, W]. */
  inputShape?: number[];
  strides?: number[];
  dilations?: number[];
}

export interface RoleRule {
  /** Glob over the full tensor name: `*` any run of characters (dots included), `?` one character. */
  pattern: string;
  /** Absent: the role comes from the name rules, and only the conv geometry is given. */
  role?: RoleName;
  regex: RegExp;
  conv?: ConvGeometry;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const CONV_KEYS = ['groups', 'inputShape', 'strides', 'dilations'] as const;

/** A rule's value: "role", or {"role"?: "conv", "groups"?: n, "inputShape"?: [...], "strides"?: [...], "dilations"?: [...]}. */
function parseRule(pattern: string, v: unknown, file: string): RoleRule {
  const bad = (problem: string): never => {
    throw new CheckpointError(file, `'${pattern}': ${problem}`);
  };
  const roleOf = (role: unknown): RoleName => {
    if (typeof role !== 'string' || !ROLE_NAMES.includes(role as RoleName)) {
      throw new CheckpointError(file, `role '${typeof role === 'string' ? role : JSON.stringify(role)}' for '${pattern}' is not one of ${ROLE_NAMES.join(', ')}`);
    }
    return role as RoleName;
  };
  const regex = globToRegExp(pattern);
  if (typeof v === 'string') return { pattern, role: roleOf(v), regex };
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('the value must be a role name or an object {"role", "groups", "inputShape", "strides", "dilations"}');
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'role' && !(CONV_KEYS as readonly string[]).includes(k));
  if (unknown.length) bad(`unknown key '${unknown[0]}' (known: role, ${CONV_KEYS.join(', ')})`);
  const role = o.role === undefined ? undefined : roleOf(o.role);
  const ints = (key: string, min: number): number[] | undefined => {
    const x = o[key];
    if (x === undefined) return undefined;
    if (!Array.isArray(x) || !x.length || x.length > 5 || !x.every((d) => Number.isSafeInteger(d) && d >= min && d <= 1 << 20)) {
      bad(`${key} must be a list of 1 to 5 integers ≥ ${min}, not ${JSON.stringify(x)}`);
    }
    return x as number[];
  };
  const conv: ConvGeometry = {};
  if (o.groups !== undefined) {
    if (!Number.isSafeInteger(o.groups) || (o.groups as number) < 1) bad(`groups must be an integer ≥ 1, not ${JSON.stringify(o.groups)}`);
    conv.groups = o.groups as number;
  }
  const inputShape = ints('inputShape', 1);
  const strides = ints('strides', 1);
  const dilations = ints('dilations', 1);
  if (inputShape) conv.inputShape = inputShape;
  if (strides) conv.strides = strides;
  if (dilations) conv.dilations = dilations;
  const hasConv = Object.keys(conv).length > 0;
  if (hasConv && role && role !== 'conv' && role !== 'conv-transposed') bad(`${Object.keys(conv).join(', ')} apply to conv layers, not to role ${role}`);
  if (!role && !hasConv) bad('gives neither a role nor a conv geometry');
  return { pattern, ...(role ? { role } : {}), regex, ...(hasConv ? { conv } : {}) };
}

/**
 * Parses a mapping `{ "glob": "role" | {"role"?, "groups"?, "inputShape"?, "strides"?, "dilations"?}, … }`
 * (the file given with --roles / theoryLens.rolesFile).
 */
export function parseRoleRules(json: unknown, file: string): RoleRule[] {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new CheckpointError(file, 'a roles file must be a JSON object {"tensor-name glob": "role"}');
  return Object.entries(json as Record<string, unknown>).map(([pattern, v]) => parseRule(pattern, v, file));
}

/** The conv geometry the roles file gives a tensor (the first matching rule that gives one). */
export function convGeometry(name: string, rules: readonly RoleRule[]): { rule: RoleRule; conv: ConvGeometry } | null {
  const rule = rules.find((r) => r.conv && r.regex.test(name));
  return rule ? { rule, conv: rule.conv! } : null;
}

export function loadRoleRules(file: string): RoleRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, `cannot read the roles file: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `the roles file is not valid JSON: ${(e as Error).message}`);
  }
  return parseRoleRules(json, file);
}

/** Module names whose 2-D weight is an embedding table [vocab, dim]. */
const EMBEDDING = /(^|\.)(embed_tokens|wte|wpe|word_embeddings|position_embeddings|token_type_embeddings|tok_embeddings|embed_positions|embeddings|embedding|embed|shared)$/;
/** GPT-2's Conv1D modules: weight stored [in, out]. */
const GPT2_CONV1D = /(^|\.)(c_attn|c_fc|c_proj|q_attn)$/;
/** Fused query/key/value projections stored as three equal [out, in] blocks stacked along rows. */
const FUSED_QKV = /(^|\.)(qkv|qkv_proj|Wqkv|in_proj)$/;

export interface RoleDecision {
  role: RoleName;
  note: string;
  /** fused-qkv-heads: the number of attention heads. */
  heads?: number;
}

/** What a Hugging Face config.json beside the weights says (only what role decisions need). */
export interface ModelConfig {
  modelType?: string;
  heads?: number;
}

/** Architectures whose `query_key_value` rows are interleaved per head: [head, q|k|v, head_dim]. */
const PER_HEAD_QKV = new Set(['gpt_neox', 'bloom']);

/**
 * The role of one tensor from its name (module path + leaf) and shape. `module` is the name without
 * its `.weight` leaf (or the name itself for `in_proj_weight`).
 */
export function decideRole(name: string, module: string, leaf: string, dims: readonly number[], floating: boolean, rules: readonly RoleRule[], model: ModelConfig = {}): RoleDecision {
  const rule = rules.find((r) => r.role && r.regex.test(name));
  if (rule) return { role: rule.role!, note: `role ${rule.role} from the roles file (pattern '${rule.pattern}')` };
  const rank = dims.length;
  if (!floating) return { role: 'parameter', note: 'integer/bool tensor: a buffer, not a weight matrix' };
  if (rank <= 1) return { role: 'parameter', note: `${rank}-D tensor (norm scale, bias or buffer): a parameter, not a matrix` };
  if (leaf !== 'weight' && leaf !== 'in_proj_weight') return { role: 'parameter', note: `'${leaf}' is not a '.weight': kept as a parameter (map it with a roles file to measure it)` };
  if (leaf === 'in_proj_weight' && rank === 2) {
    return dims[0] % 3 === 0
      ? { role: 'fused-qkv', note: `'in_proj_weight' (nn.MultiheadAttention) [3·E, E]: split into q, k, v` }
      : { role: 'linear', note: `'in_proj_weight' with ${dims[0]} rows (not divisible by 3): measured as one [out, in] matrix` };
  }
  if (rank === 2) {
    if (GPT2_CONV1D.test(module)) {
      if (/(^|\.)c_attn$/.test(module) && dims[1] % 3 === 0) return { role: 'fused-qkv-transposed', note: `GPT-2 Conv1D name '${module.split('.').pop()}': stored [in, 3·out], transposed and split into q, k, v` };
      return { role: 'linear-transposed', note: `GPT-2 Conv1D name '${module.split('.').pop()}': stored [in, out], transposed to [out, in]` };
    }
    if (/(^|\.)query_key_value$/.test(module)) {
      const { modelType: type, heads } = model;
      if (type && PER_HEAD_QKV.has(type) && heads && dims[0] % (3 * heads) === 0) {
        return { role: 'fused-qkv-heads', heads, note: `'query_key_value' of a ${type} model (config.json: ${heads} heads): rows interleaved per head [head, q|k|v, head_dim = ${dims[0] / 3 / heads}], split into q, k, v` };
      }
      return {
        role: 'linear',
        note: `'query_key_value' [${dims.join(', ')}]: measured as one matrix, not split (its q/k/v row layout depends on the architecture: GPT-NeoX and BLOOM interleave per head, ChatGLM and Falcon stack; ` +
          `a config.json beside the weights with model_type gpt_neox or bloom and num_attention_heads splits it${type ? `, this one says model_type ${type}${heads ? `, ${heads} heads` : ''}` : ''}; map it to fused-qkv in a roles file when it is stacked [q; k; v])`,
      };
    }
    if (FUSED_QKV.test(module)) {
      if (dims[0] % 3 === 0) return { role: 'fused-qkv', note: `fused projection name '${module.split('.').pop()}': [3·out, in] split into q, k, v` };
      return { role: 'linear', note: `fused projection name '${module.split('.').pop()}' with ${dims[0]} rows (not 3 equal blocks, e.g. grouped-query attention): measured as one [out, in] matrix` };
    }
    if (EMBEDDING.test(module)) return { role: 'embedding', note: `embedding name '${module.split('.').pop()}': table [vocab, dim], measured as the map one-hot(vocab) → dim` };
    return { role: 'linear', note: '2-D .weight: linear layer [out, in]' };
  }
  if (rank >= 3 && rank <= 5) {
    if (/(^|\.)[^.]*(deconv|conv_transpose|convtranspose|upconv)[^.]*$/i.test(module)) {
      return { role: 'conv-transposed', note: `${rank}-D .weight under a transposed-conv name: ConvTranspose [in, out/groups, k…]` };
    }
    return { role: 'conv', note: `${rank}-D .weight: convolution [out, in/groups, ${rank === 3 ? 'k' : rank === 4 ? 'kh, kw' : 'kd, kh, kw'}] (groups and input size are not in a state dict: a roles file or --input-shape gives them)` };
  }
  return { role: 'parameter', note: `${rank}-D tensor: no layer role for this rank` };
}
