import { ErrorCode, argumentError } from '@amc/core';
import { formatCount, formatShape, formatTable } from './format.js';
import type { GraphNode, NodeStats, WeightTensor } from './types.js';

/** Sums of the node statistics over a graph (see {@link NodeStats}); `activationSize` sums every node's output. */
export interface GraphTotals extends NodeStats {
  /** Number of nodes, inputs included. */
  nodes: number;
}

/** What {@link Graph}'s constructor takes. */
export interface GraphInit {
  name: string;
  nodes: GraphNode[];
  inputs: number[];
  outputs: number[];
}

/**
 * A model as a DAG of {@link GraphNode}s in topological order (`nodes[i].id === i`, every operand id < the node's
 * id), with the ids of the model inputs and outputs in the model's order.
 *
 * The graph owns its weights (copies of the tfjs values): a pruning pass may rewrite them and the node shapes in
 * place and then call `refreshNodeStats`; {@link Graph.clone} gives an independent copy (e.g. to restore the
 * original weights at every AMC episode).
 *
 * @example
 * const graph = importModel(createModel('resnet20'));
 * graph.totals().macs;                  // 31,021,952
 * graph.node('stage1.block0.conv1');    // the Conv2dNode
 * console.log(graph.summary());
 */
export class Graph {
  /** The tfjs model name. */
  readonly name: string;
  /** All nodes, topologically ordered; `nodes[i].id === i`. */
  readonly nodes: readonly GraphNode[];
  /** Ids of the model inputs. */
  readonly inputs: readonly number[];
  /** Ids of the nodes whose outputs are the model outputs. */
  readonly outputs: readonly number[];
  private readonly byName = new Map<string, GraphNode>();
  private readonly successorIds: number[][];

  /**
   * @throws AmcError AMC_INVALID_ARGUMENT when the nodes are not numbered 0..n-1 in order, an operand id does not
   *   precede its node, a name repeats, or an input / output id is out of range.
   */
  constructor(init: GraphInit) {
    const op = 'Graph';
    this.name = init.name;
    this.nodes = init.nodes;
    this.inputs = init.inputs;
    this.outputs = init.outputs;
    this.successorIds = init.nodes.map(() => []);
    init.nodes.forEach((node, i) => {
      if (node.id !== i) throw argumentError(ErrorCode.InvalidArgument, op, `nodes[${i}].id`, `${i}`, node.id);
      if (this.byName.has(node.name)) {
        throw argumentError(ErrorCode.InvalidArgument, op, `nodes[${i}].name`, 'a name no other node has', node.name);
      }
      this.byName.set(node.name, node);
      for (const input of node.inputs) {
        if (!Number.isInteger(input) || input < 0 || input >= i) {
          throw argumentError(ErrorCode.InvalidArgument, op, `nodes[${i}].inputs`, `ids of earlier nodes (< ${i})`, node.inputs);
        }
        this.successorIds[input]?.push(i);
      }
    });
    for (const [field, ids] of [
      ['inputs', init.inputs],
      ['outputs', init.outputs],
    ] as const) {
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= init.nodes.length) {
          throw argumentError(ErrorCode.InvalidArgument, op, field, `node ids in [0, ${init.nodes.length})`, ids);
        }
      }
    }
  }

  /**
   * The node with id or layer name `key`.
   *
   * @throws AmcError AMC_INVALID_ARGUMENT when there is no such node.
   */
  node(key: number | string): GraphNode {
    const found = typeof key === 'number' ? this.nodes[key] : this.byName.get(key);
    if (found === undefined) {
      throw argumentError(ErrorCode.InvalidArgument, 'Graph.node', 'key', `a node id in [0, ${this.nodes.length}) or a layer name of ${this.name}`, key);
    }
    return found;
  }

  /** Whether a node named `name` exists. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Ids of the nodes that read node `id`'s output, ascending (a node reading it twice is listed twice).
   *
   * @throws AmcError AMC_INVALID_ARGUMENT for an unknown id.
   */
  successors(id: number): readonly number[] {
    const ids = this.successorIds[id];
    if (ids === undefined) throw argumentError(ErrorCode.InvalidArgument, 'Graph.successors', 'id', `a node id in [0, ${this.nodes.length})`, id);
    return ids;
  }

  /** Sums of the current node statistics. */
  totals(): GraphTotals {
    const totals: GraphTotals = { nodes: this.nodes.length, macs: 0, params: 0, trainableParams: 0, activationSize: 0 };
    for (const node of this.nodes) {
      totals.macs += node.macs;
      totals.params += node.params;
      totals.trainableParams += node.trainableParams;
      totals.activationSize += node.activationSize;
    }
    return totals;
  }

  /**
   * A deep copy: new node objects, attributes, shapes and weight arrays; nothing is shared with this graph. With
   * `shareWeights`, the weight tensors are new objects over the **same** data arrays (no copy of the weights; a
   * pass that replaces tensors, like pruning, never touches this graph, but writing into a shared array would).
   */
  clone(options?: { shareWeights?: boolean }): Graph {
    const share = options?.shareWeights === true;
    const copyWeight = (w: WeightTensor): WeightTensor => ({ data: share ? w.data : w.data.slice(), shape: [...w.shape], trainable: w.trainable });
    const nodes = this.nodes.map((node) => {
      const weights: Record<string, WeightTensor> = {};
      for (const [key, value] of Object.entries(node.weights as Record<string, WeightTensor | undefined>)) {
        if (value !== undefined) weights[key] = copyWeight(value);
      }
      return {
        ...node,
        inputs: [...node.inputs],
        inputShapes: node.inputShapes.map((s) => [...s]),
        outputShape: [...node.outputShape],
        attrs: structuredClone(node.attrs),
        weights,
      } as unknown as GraphNode;
    });
    return new Graph({ name: this.name, nodes, inputs: [...this.inputs], outputs: [...this.outputs] });
  }

  /**
   * A text table in the spirit of tfjs's `model.summary()`: one row per node (id, name, kind, output shape,
   * operands, params, MACs), then the totals.
   */
  summary(): string {
    const rows = this.nodes.map((n) => [
      String(n.id),
      n.name,
      n.kind,
      formatShape(n.outputShape),
      n.inputs.join(','),
      formatCount(n.params),
      formatCount(n.macs),
    ]);
    const t = this.totals();
    return [
      `Graph ${this.name}: ${t.nodes} nodes, inputs [${this.inputs.join(', ')}], outputs [${this.outputs.join(', ')}]`,
      formatTable(['id', 'name', 'kind', 'output', 'from', 'params', 'MACs'], rows, ['right', 'left', 'left', 'left', 'left', 'right', 'right']),
      `params ${formatCount(t.params)} (trainable ${formatCount(t.trainableParams)}), MACs ${formatCount(t.macs)} per sample`,
    ].join('\n');
  }
}
