import { describe, expect, it } from "vitest";
import { LEAD_PAYLOAD } from "../../../src/leads/form.js";
import { leadTakeOver } from "../../../src/dialog/steps/lead-take-over.js";
import { fixedOutcome } from "../../../src/dialog/turn-context.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

const leads = () => turnContext().knowledge.kb.leads!;

describe("the lead-take-over step", () => {
  it("lets the bot answer when there is no lead and no offer", async () => {
    const ctx = turnContext({ text: "how much does an observership cost?" });
    const { next, calls } = nextStep(ctx);
    await leadTakeOver(ctx, next);
    expect(calls()).toBe(1);
    expect(ctx.lead).toBeUndefined();
  });

  it("starts the form on a yes to a counselor offer, without routing the message", async () => {
    const ctx = turnContext({ text: "", payload: LEAD_PAYLOAD.yes, state: { leadOffer: "strong_intent" } });
    const { next, calls } = nextStep(ctx);
    await leadTakeOver(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.outcome?.intent).toBe("counselor");
    expect(ctx.lead?.set).toMatchObject({ status: "collecting", step: "consent", trigger: "strong_intent" });
  });

  it("stays silent while a counselor holds the conversation and puts the message in the lead's thread", async () => {
    const ctx = turnContext({ text: "is friday ok?", lead: { status: "claimed", step: null } });
    const { next, calls } = nextStep(ctx);
    await leadTakeOver(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.outcome?.result.replies).toEqual([]);
    expect(ctx.lead).toEqual({ id: 7, thread: [{ key: "in:m1", from: "student", text: "is friday ok?" }] });
  });

  it("stores a consent withdrawal with the turn", async () => {
    const ctx = turnContext({ text: "withdraw my consent" });
    await leadTakeOver(ctx, nextStep(ctx).next);
    expect(ctx.withdrawConsent).toEqual({ version: leads().consent.version });
    expect(ctx.outcome?.result.replies[0]?.text).toBe(leads().messages.consent_withdrawn);
  });

  it("answers a question asked in the middle of the form, then asks the form's question again", async () => {
    const ctx = turnContext({ text: "how much does an observership cost?", lead: { status: "collecting", step: "name", consent: "granted" } });
    const { next, calls } = nextStep(ctx, (c) => void (c.outcome = fixedOutcome(c, "Observerships cost …")));
    await leadTakeOver(ctx, next);
    expect(calls()).toBe(1);
    const text = ctx.outcome?.result.replies[0]?.text ?? "";
    expect(text.startsWith("Observerships cost …\n\n")).toBe(true);
    expect(text.length).toBeGreaterThan("Observerships cost …\n\n".length);
    expect(ctx.lead).toMatchObject({ id: 7, whileStatus: "collecting" });
  });

  it("reads the conversation's history into the summary when the form is complete", async () => {
    const ctx = turnContext({
      text: "evenings",
      lead: { status: "collecting", step: "best_time", consent: "granted", contact: { name: "Asha", email: "asha@example.org" } },
      profile: { status: "graduate", specialty: "internal medicine", target_start: "2027-06" },
      history: [{ direction: "in", text: "I want an observership", intent: "counselor", createdAt: new Date() }],
    });
    const { next, calls } = nextStep(ctx);
    await leadTakeOver(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.historyCalls.length).toBe(1);
    expect(ctx.lead?.card).toBe(true);
    expect(ctx.lead?.set?.summary).toBeDefined();
  });
});
