import { HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

export const StepState = Annotation.Root({ question: Annotation<string>(), answer: Annotation<string>() });
export type StepUpdate = Partial<typeof StepState.State>;
export type Step = (state: typeof StepState.State, config: RunnableConfig) => StepUpdate | Promise<StepUpdate>;

/** A LangGraph that runs the given nodes one after the other: START → first → … → last → END. */
export function stepsGraph(steps: Record<string, Step>) {
  const names = Object.keys(steps);
  // Node names are only known at run time here, which StateGraph's typed builder cannot follow.
  let graph = new StateGraph(StepState) as unknown as StateGraph<typeof StepState.spec, typeof StepState.State, StepUpdate, string>;
  for (const name of names) graph = graph.addNode(name, steps[name]!) as typeof graph;
  graph.addEdge(START, names[0]!);
  for (let i = 1; i < names.length; i++) graph.addEdge(names[i - 1]!, names[i]!);
  graph.addEdge(names[names.length - 1]!, END);
  return graph.compile();
}

/** A node that asks `model` one question and keeps its answer. */
export function askStep(model: BaseChatModel, prompt: string): Step {
  return async (_state, config) => ({ answer: String((await model.invoke([new HumanMessage(prompt)], config)).content) });
}
