// The scale of a PEFT LoRA adapter: its effective update is ΔW = s·B·A with s = lora_alpha / r, or
// lora_alpha / √r with rsLoRA (use_rslora; Kalajdzievski 2023, "A Rank Stabilization Scaling Factor
// for Fine-Tuning with LoRA"). The scale is not in the weights: it is in `adapter_config.json`, which
// PEFT's save_pretrained writes beside `adapter_model.safetensors` / `adapter_model.bin` (a named
// adapter other than 'default' in a sub-folder of its name). As in PEFT (tuners/lora/model.py),
// `rank_pattern` / `alpha_pattern` override r / lora_alpha for modules whose name ends in the key
// (matched as a regular expression after a '.', or the whole name). PEFT's defaults: r = 8, lora_alpha = 8.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoraConfig {
  /** The file it was read from. */
  file: string;
  r: number;
  alpha: number;
  rslora: boolean;
  rankPattern: [RegExp, string, number][];
  alphaPattern: [RegExp, string, number][];
  /** Which fields were missing (PEFT's default used). */
  defaulted: string[];
  dora: boolean;
}

export interface LoraScale {
  scale: number;
  /** For the layer's note: which scale, from where. */
  note: string;
  /** A problem worth a report warning (config rank ≠ the factors' rank). */
  warning?: string;
}

const PEFT_DEFAULT_R = 8;
const PEFT_DEFAULT_ALPHA = 8;

function patterns(v: unknown, file: string, field: string, warnings: string[]): [RegExp, string, number][] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) {
    warnings.push(`${file}: ${field} is not an object: ignored`);
    return [];
  }
  const out: [RegExp, string, number][] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
      warnings.push(`${file}: ${field}['${k}'] = ${JSON.stringify(x)} is not a positive number: ignored`);
      continue;
    }
    try {
      out.push([new RegExp(`(^|.*\\.)(?:${k})$`), k, x]);
    } catch {
      warnings.push(`${file}: ${field} key '${k}' is not a regular expression: ignored`);
    }
  }
  return out;
}

/** Parses adapter_config.json's LoRA fields; null (with a warning) when it is unreadable or not a LoRA config. */
export function parseLoraConfig(text: string, file: string, warnings: string[]): LoraConfig | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    warnings.push(`${file}: not valid JSON (${(e as Error).message}): LoRA updates are not scaled`);
    return null;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    warnings.push(`${file}: not a JSON object: LoRA updates are not scaled`);
    return null;
  }
  const c = json as Record<string, unknown>;
  if (typeof c.peft_type === 'string' && c.peft_type.toUpperCase() !== 'LORA') {
    warnings.push(`${file}: peft_type is ${c.peft_type}, not LORA: LoRA updates are not scaled`);
    return null;
  }
  const defaulted: string[] = [];
  const num = (key: string, def: number): number | null => {
    const v = c[key];
    if (v === undefined || v === null) {
      defaulted.push(`${key} = ${def}`);
      return def;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return null;
    return v;
  };
  const r = num('r', PEFT_DEFAULT_R);
  const alpha = num('lora_alpha', PEFT_DEFAULT_ALPHA);
  if (r === null || alpha === null) {
    warnings.push(`${file}: r = ${JSON.stringify(c.r)}, lora_alpha = ${JSON.stringify(c.lora_alpha)} are not positive numbers: LoRA updates are not scaled`);
    return null;
  }
  return {
    file, r, alpha, rslora: c.use_rslora === true, defaulted, dora: c.use_dora === true,
    rankPattern: patterns(c.rank_pattern, file, 'rank_pattern', warnings),
    alphaPattern: patterns(c.alpha_pattern, file, 'alpha_pattern', warnings),
  };
}

/**
 * The adapter_config.json for adapter `adapter` (undefined: PEFT's saved file, whose keys carry no
 * adapter name) of a state dict in `dir`: `dir/<adapter>/adapter_config.json` for a named adapter,
 * else `dir/adapter_config.json`. Null when there is none.
 */
export function findLoraConfig(dir: string, adapter: string | undefined, cache: Map<string, LoraConfig | null>, warnings: string[]): LoraConfig | null {
  const candidates = [...(adapter && adapter !== 'default' ? [join(dir, adapter, 'adapter_config.json')] : []), join(dir, 'adapter_config.json')];
  for (const f of candidates) {
    if (cache.has(f)) {
      const hit = cache.get(f)!;
      if (hit) return hit;
      continue;
    }
    if (!existsSync(f)) {
      cache.set(f, null);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      warnings.push(`${f}: cannot be read (${(e as Error).message}): LoRA updates are not scaled`);
      cache.set(f, null);
      continue;
    }
    const cfg = parseLoraConfig(text, f, warnings);
    cache.set(f, cfg);
    if (cfg) return cfg;
  }
  return null;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));

/** The scale of module `module` (its name in the state dict) whose factors have rank `rank`. */
export function loraScale(cfg: LoraConfig | null, module: string, rank: number): LoraScale {
  if (!cfg) return { scale: 1, note: 'no adapter_config.json beside the file: the lora_alpha/r scale is unknown, so ΔW = B·A unscaled' };
  const rp = cfg.rankPattern.find(([re]) => re.test(module));
  const ap = cfg.alphaPattern.find(([re]) => re.test(module));
  const r = rp ? rp[2] : cfg.r;
  const alpha = ap ? ap[2] : cfg.alpha;
  const scale = cfg.rslora ? alpha / Math.sqrt(r) : alpha / r;
  const from = [
    rp ? `r from rank_pattern '${rp[1]}'` : '',
    ap ? `lora_alpha from alpha_pattern '${ap[1]}'` : '',
    cfg.defaulted.length ? `PEFT default ${cfg.defaulted.join(', ')}` : '',
  ].filter(Boolean).join('; ');
  const note = `ΔW = ${cfg.rslora ? 'lora_alpha/√r' : 'lora_alpha/r'}·B·A (${cfg.rslora ? 'rsLoRA, ' : ''}lora_alpha = ${fmt(alpha)}, r = ${fmt(r)}: scale ${fmt(scale)}, from ${cfg.file}${from ? `; ${from}` : ''})` +
    (cfg.dora ? '; DoRA magnitude vectors are not applied (ΔW is the low-rank direction update only)' : '');
  const warning = r !== rank ? `${module}: adapter_config.json gives r = ${fmt(r)} but the LoRA factors have rank ${rank}; the scale uses the config's r` : undefined;
  return { scale, note, ...(warning ? { warning } : {}) };
}
