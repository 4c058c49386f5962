// Topological order of one graph's nodes (Kahn's algorithm, ready nodes in file order).
import type { RawGraph } from './model';
import { CheckpointError, type Node } from './types';

/** A binary min-heap of node indices (ready nodes are taken in file order). */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Kahn's algorithm, taking ready nodes in file order (so a file already in topological order keeps its
 * order). A node whose inputs nobody produces is taken as ready (missing values are warned about); a
 * cycle is an error naming some of its nodes. For a subgraph, `outer` holds the names its enclosing
 * scopes provide, and `implicit` a node's outer-scope reads through its own subgraphs.
 */
export function topologicalOrder(
  graph: RawGraph, file: string, warnings: string[],
  scope: { outer?: ReadonlySet<string>; implicit?: (n: Node) => readonly string[] } = {},
): Node[] {
  const produced = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o && produced.set(o, i)));
  const indegree = new Array(graph.nodes.length).fill(0);
  const dependents: number[][] = graph.nodes.map(() => []);
  const missing = new Set<string>();
  const available = new Set([...graph.inputs.map((v) => v.name), ...graph.tensors.keys(), ...(scope.outer ?? [])]);
  graph.nodes.forEach((n, i) => {
    // Explicit inputs, plus the outer values a node's subgraphs read (they must be computed first).
    for (const inp of [...n.inputs, ...(scope.implicit?.(n) ?? [])]) {
      if (!inp || available.has(inp)) continue;
      const p = produced.get(inp);
      if (p === undefined) missing.add(inp);
      else if (p !== i) {
        indegree[i]++;
        dependents[p].push(i);
      }
    }
  });
  const ready = new MinHeap();
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: Node[] = [];
  while (ready.size) {
    const i = ready.pop();
    order.push(graph.nodes[i]);
    for (const j of dependents[i]) if (--indegree[j] === 0) ready.push(j);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((_, i) => indegree[i] > 0).slice(0, 3).map((n) => n.name || n.opType);
    throw new CheckpointError(file, `the graph has a cycle (nodes ${stuck.join(', ')} … depend on each other)`);
  }
  if (missing.size) warnings.push(`values used but never produced: ${[...missing].slice(0, 5).join(', ')}${missing.size > 5 ? ` and ${missing.size - 5} more` : ''}`);
  return order;
}

