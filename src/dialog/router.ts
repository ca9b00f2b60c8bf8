import type { Intent } from "../core/intents.js";
import type { IntentHandler, Turn, TurnResult } from "../intents/turn.js";

/** Picks the handler for the turn's intent. Handlers are pure, so the router is too. */
export function createRouter(handlers: Record<Intent, IntentHandler>): (turn: Turn) => TurnResult {
  return (turn) => handlers[turn.understanding.intent](turn);
}
