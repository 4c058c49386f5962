// Subgraphs (If branches, Loop and Scan bodies, nested to any depth) flattened into one view of the
// model: every scope's stored tensors in one map, every scope's nodes in one order (a subgraph's nodes
// right after the node that holds it), each node named with its subgraph path
// (`/decoder/If_3/then_branch/conv/Conv`). ONNX forbids a subgraph from redefining an outer name, so
// outer-scope references resolve by name like any other value.
import type { RawGraph } from './model';
import { topologicalOrder } from './order';
import type { Node } from './types';

export interface GraphScope {
  /** '' for the main graph, else the subgraph path (`/If_3/then_branch`, `/Loop_0/body/If_2/else_branch`). */
  path: string;
  graph: RawGraph;
}

export interface FlatModel {
  /** The main graph's inputs/outputs/name, with every scope's tensors and value_info merged in. */
  graph: RawGraph;
  /** Main-graph nodes in topological order, each followed by its subgraphs' nodes (renamed with their path). */
  order: Node[];
  /** Node (as in `order`) → path of the graph it belongs to. */
  scopeOf: Map<Node, string>;
  scopes: GraphScope[];
}

/** Names a graph (with its nested subgraphs) reads but does not define: its outer-scope references. */
export function freeNames(g: RawGraph): Set<string> {
  const defined = new Set<string>([...g.tensors.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) n.outputs.forEach((o) => o && defined.add(o));
  const free = new Set<string>();
  for (const n of g.nodes) for (const i of n.inputs) if (i && !defined.has(i)) free.add(i);
  for (const s of g.subgraphs) for (const i of freeNames(s.graph)) if (!defined.has(i)) free.add(i);
  return free;
}

const nodeId = (n: Node) => n.name || `${n.opType}_${n.index}`;

/** `/If_3/then_branch` + `/conv/Conv` → `/If_3/then_branch/conv/Conv`. */
function joinPath(prefix: string, name: string): string {
  if (!prefix) return name;
  return `${prefix}/${name.replace(/^\/+/, '')}`;
}

export function flattenScopes(main: RawGraph, file: string, warnings: string[]): FlatModel {
  const tensors = new Map(main.tensors);
  const valueInfo = new Map(main.valueInfo);
  const order: Node[] = [];
  const scopeOf = new Map<Node, string>();
  const scopes: GraphScope[] = [{ path: '', graph: main }];
  const shadowed: string[] = [];

  // Implicit inputs: a node holding subgraphs depends on the outer values its bodies read.
  const implicit = new Map<Node, string[]>();
  const noteImplicit = (g: RawGraph) => {
    for (const s of g.subgraphs) {
      const list = implicit.get(s.node) ?? [];
      list.push(...freeNames(s.graph));
      implicit.set(s.node, list);
    }
  };

  const visit = (g: RawGraph, path: string, outer: Set<string>) => {
    noteImplicit(g);
    const available = new Set(outer);
    for (const k of g.tensors.keys()) available.add(k);
    for (const v of g.inputs) available.add(v.name);
    const ordered = topologicalOrder(g, file, warnings, { outer, implicit: (n) => implicit.get(n) ?? [] });
    for (const n of ordered) n.outputs.forEach((o) => o && available.add(o));
    const bySubgraphNode = new Map<Node, RawGraph['subgraphs']>();
    for (const s of g.subgraphs) {
      const list = bySubgraphNode.get(s.node) ?? [];
      list.push(s);
      bySubgraphNode.set(s.node, list);
    }
    for (const n of ordered) {
      const named: Node = path ? Object.assign(Object.create(Object.getPrototypeOf(n)), n, { name: joinPath(path, nodeId(n)) }) : n;
      order.push(named);
      scopeOf.set(named, path);
      for (const s of bySubgraphNode.get(n) ?? []) {
        const subPath = joinPath(path, `${nodeId(n)}/${s.attr}`);
        const sub = subPath.startsWith('/') ? subPath : `/${subPath}`;
        scopes.push({ path: sub, graph: s.graph });
        for (const [k, t] of s.graph.tensors) {
          if (tensors.has(k) && tensors.get(k) !== t) shadowed.push(`${sub}: ${k}`);
          else tensors.set(k, t);
        }
        for (const [k, v] of s.graph.valueInfo) if (!valueInfo.has(k)) valueInfo.set(k, v);
        for (const v of s.graph.inputs) if (v.shape && !valueInfo.has(v.name)) valueInfo.set(v.name, v);
        visit(s.graph, sub, available);
      }
    }
  };
  visit(main, '', new Set());
  if (shadowed.length) {
    warnings.push(`subgraph tensors that redefine an outer name (not allowed by ONNX; the outer one is used): ${shadowed.slice(0, 5).join(', ')}${shadowed.length > 5 ? ` and ${shadowed.length - 5} more` : ''}`);
  }
  return { graph: { ...main, tensors, valueInfo }, order, scopeOf, scopes };
}
