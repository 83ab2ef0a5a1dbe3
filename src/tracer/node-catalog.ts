import type { WorkflowStage } from "../shared/workflow.js";
import type { ResolvedTracerOptions } from "./options.js";
import { nodeObservationType } from "./span-attributes.js";
import { inferStage } from "./stages.js";

/** Node names come from graph definitions, so they are few (and cut to 200 characters); this bounds generated ones. */
const MAX_CACHED_NODE_NAMES = 1000;

export interface NodeInfo {
  stage: WorkflowStage | undefined;
  source: "option" | "name";
  observationType: string;
}

/** What a node's name says — its stage (from the `stages` option, else the name rules) and observation type — cached per name. */
export class NodeCatalog {
  private readonly nodes = new Map<string, NodeInfo>();

  constructor(private readonly options: ResolvedTracerOptions) {}

  info(name: string): NodeInfo {
    let info = this.nodes.get(name);
    if (info !== undefined) return info;
    let stage = this.options.stages.get(name);
    let source: NodeInfo["source"] = "option";
    if (stage === undefined && this.options.inferStages) {
      stage = inferStage(name);
      source = "name";
    }
    info = { stage, source, observationType: nodeObservationType(name) };
    if (this.nodes.size < MAX_CACHED_NODE_NAMES) this.nodes.set(name, info);
    return info;
  }
}
