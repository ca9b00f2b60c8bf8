import { describe, expect, it } from "vitest";
import type { Inbound } from "../../src/core/model.js";
import type { OpenLead } from "../../src/core/ports.js";
import { parseState, type Profile } from "../../src/core/state.js";
import type { Turn } from "../../src/intents/turn.js";
import { prepareKnowledge } from "../../src/nlu/knowledge-source.js";
import { advanceForm, LEAD_PAYLOAD, nextStep, readName } from "../../src/leads/form.js";
import { understand } from "../../src/nlu/understand.js";
import { realKnowledge } from "../helpers/bot.js";

const kb = realKnowledge();
const config = kb.leads!;
const { nlu } = prepareKnowledge(kb);
const now = new Date("2026-11-22T10:00:00Z");

function turn(text: string, profile: Profile = {}, payload?: string): Turn {
  const inbound: Inbound = { id: "m1", channel: "test", conversation: "c", sender: "c", text, payload, receivedAt: now };
  const state = parseState({});
  return { inbound, text, truncated: false, understanding: understand(text, state, nlu, kb, now, payload), state, profile, kb, now };
}

function lead(step: string, over: Partial<OpenLead> = {}): OpenLead {
  return {
    id: 1, channel: "test", conversation: "c", sender: "c", status: "collecting", step, trigger: "asked", score: 0, scoreReasons: [],
    consent: "granted", contact: null, summary: null, claimedBy: null, claimedAt: null, outcome: null, closedAt: null, card: null,
    announcedAt: null, reannounced: 0, unreachable: null, redactedAt: null, version: 1, createdAt: now, updatedAt: now, pendingPhone: null, ...over,
  };
}

describe("the lead form, one step at a time", () => {
  it("records consent with the wording's version and asks for the name", () => {
    const r = advanceForm(turn("yes"), lead("consent", { consent: null }), config);
    expect(r.consent).toEqual({ decision: "granted", version: config.consent.version });
    expect(r.set).toMatchObject({ consent: "granted", step: "name" });
    expect(r.replies[0]?.text).toBe(config.messages.ask_name);
  });

  it("on declined consent stores no contact and goes straight to what the profile lacks", () => {
    const r = advanceForm(turn("", {}, LEAD_PAYLOAD.no), lead("consent", { consent: null }), config);
    expect(r.consent?.decision).toBe("declined");
    expect(r.set).toMatchObject({ consent: "declined", contact: null, step: "status" });
    expect(r.replies[0]?.text).toContain(config.messages.consent_declined);
  });

  it("drops the form quietly when the consent question is ignored, so the message is answered as usual", () => {
    const r = advanceForm(turn("ok, see you"), lead("consent", { consent: null }), config);
    expect(r.aside).toBe("leave");
    expect(r.set).toMatchObject({ status: "closed", outcome: "stopped" });
  });

  it("stops at any step on 'stop', 'cancel', 'never mind' or the Stop button, erasing what was given", () => {
    for (const [text, payload] of [["stop", undefined], ["cancel", undefined], ["never mind", undefined], ["", LEAD_PAYLOAD.stop]] as const) {
      for (const step of ["consent", "name", "contact", "contact_country", "best_time", "status", "specialty", "target_start"]) {
        const r = advanceForm(turn(text, {}, payload), lead(step, { contact: { name: "Canary Person" } }), config);
        expect(r.set, `${step} ${text}`).toMatchObject({ status: "closed", outcome: "stopped", step: null, contact: null });
        expect(r.replies).toEqual([{ text: config.messages.stopped }]);
        expect(r.queued).toBeUndefined();
      }
    }
  });

  it("reads a name and refuses what is not one", () => {
    expect(readName("My name is Priya Sharma.")).toBe("Priya Sharma");
    expect(readName("José O'Brien-Núñez")).toBe("José O'Brien-Núñez");
    expect(readName("what is an observership?")).toBeUndefined();
    expect(readName("+91 98765 43210")).toBeUndefined();
    const r = advanceForm(turn("12345"), lead("name"), config);
    expect(r.set).toEqual({});
    expect(r.replies[0]?.text).toContain(config.messages.invalid_name);
  });

  it("asks again, kindly, for an invalid email or phone", () => {
    expect(advanceForm(turn("jane@example"), lead("contact"), config).replies[0]?.text).toContain(config.messages.invalid_email);
    expect(advanceForm(turn("call me maybe"), lead("contact"), config).replies[0]?.text).toContain(config.messages.invalid_contact);
    expect(advanceForm(turn("+1 234"), lead("contact"), config).replies[0]?.text).toContain(config.messages.invalid_contact);
  });

  it("stores an email, or a phone number in E.164", () => {
    expect(advanceForm(turn("it's jane.doe@example.com"), lead("contact"), config).set).toMatchObject({ contact: { email: "jane.doe@example.com" }, step: "best_time" });
    expect(advanceForm(turn("+44 20 7946 0958"), lead("contact"), config).set).toMatchObject({ contact: { phone: "+442079460958" } });
  });

  it("asks for the country code of a local number, then combines them", () => {
    const first = advanceForm(turn("98765 43210"), lead("contact"), config);
    expect(first.set).toMatchObject({ step: "contact_country", contact: { pendingPhone: "9876543210" } });
    expect(first.replies[0]?.text).toBe(config.messages.ask_country_code);
    const waiting = lead("contact_country", { pendingPhone: "9876543210" });
    expect(advanceForm(turn("+91"), waiting, config).set).toMatchObject({ contact: { phone: "+919876543210" }, step: "best_time" });
    expect(advanceForm(turn("India"), waiting, config).set).toMatchObject({ contact: { phone: "+919876543210" } });
    expect(advanceForm(turn("Narnia"), waiting, config).replies[0]?.text).toContain(config.messages.invalid_country_code);
  });

  it("reads a WhatsApp student's local number in the country of their WhatsApp number", () => {
    expect(advanceForm(turn("98765 43210"), lead("contact"), config, { defaultCountry: "IN" }).set).toMatchObject({ contact: { phone: "+919876543210" } });
  });

  it("understands 'I'm a graduate', a bare 'final year student' and the buttons as the status", () => {
    expect(advanceForm(turn("I'm a graduate"), lead("status"), config).profile).toEqual({ status: "graduate" });
    expect(advanceForm(turn("final year student"), lead("status"), config).profile).toMatchObject({ status: "student", year_of_study: "final" });
    expect(advanceForm(turn("graduated in 2022"), lead("status"), config).profile).toMatchObject({ status: "graduate", graduation_year: 2022 });
    expect(advanceForm(turn("Graduate", {}, `${LEAD_PAYLOAD.pick}graduate`), lead("status"), config).profile).toEqual({ status: "graduate" });
    expect(advanceForm(turn("banana"), lead("status"), config).replies[0]?.text).toContain(config.messages.invalid_status);
  });

  it("reads a specialty and a start month with the NLU extractors", () => {
    expect(advanceForm(turn("IM"), lead("specialty"), config).profile).toEqual({ specialty: "internal_medicine" });
    expect(advanceForm(turn("March 2027"), lead("target_start", { consent: "declined" }), config, {}).profile).toEqual({ target_start: "2027-03" });
  });

  it("answers a question in the middle of the form and asks the step again", () => {
    const r = advanceForm(turn("how much does an observership cost?"), lead("best_time"), config);
    expect(r.aside).toBe("answer");
    expect(r.replies[0]?.text).toBe(config.messages.ask_best_time);
  });

  it("skips what the profile already knows and queues the lead after the last answer", () => {
    expect(nextStep("best_time", "granted", { status: "graduate", specialty: "pediatrics" })).toBe("target_start");
    expect(nextStep("consent", "declined", { status: "student", specialty: "x", target_start: "2027-03" })).toBeNull();
    const known: Profile = { status: "graduate", specialty: "pediatrics", target_start: "2027-03" };
    const r = advanceForm(turn("evenings", known), lead("best_time", { contact: { email: "jane@example.com" } }), config);
    expect(r.queued).toBe(true);
    expect(r.set).toMatchObject({ status: "queued", step: null, queuedAt: now, contact: { email: "jane@example.com", bestTime: "evenings" } });
    expect(r.replies[0]?.text).toContain("jane@example.com");
  });

  it("tells a chat-only student that a counselor will reply in the chat, without promising a live connection", () => {
    const r = advanceForm(turn("", { status: "graduate", specialty: "pediatrics" }, LEAD_PAYLOAD.skip), lead("target_start", { consent: "declined" }), config);
    expect(r.queued).toBe(true);
    expect(r.replies[0]?.text).toBe(config.messages.queued_chat);
  });
});

describe("the consent step, answered with something else", () => {
  it("notes a start date the student gives instead, and asks for consent again rather than dropping the form", () => {
    const r = advanceForm(turn("June 2027"), lead("consent", { consent: null }), config);
    expect(r.aside).toBe("answer");
    expect(r.set).toEqual({});
    expect(r.replies).toHaveLength(1);
  });

  it("notes a bare specialty as the form's specialty, and asks for consent again rather than dropping the form", () => {
    const r = advanceForm(turn("internal medicine"), lead("consent", { consent: null }), config);
    expect(r.aside).toBeUndefined();
    expect(r.set).toEqual({});
    expect(r.profile).toEqual({ specialty: "internal_medicine" });
    expect(r.replies[0]?.text).toMatch(/^Noted: .*internal medicine/i);
    expect(r.replies[0]?.quickReplies?.map((q) => q.payload)).toContain(LEAD_PAYLOAD.yes);
  });

  it.each([
    ["graduate", { status: "graduate" }],
    ["final year student", { status: "student", year_of_study: "final" }],
  ])("notes a bare status (%j) as the form's status, and asks for consent again", (text, profile) => {
    const r = advanceForm(turn(text), lead("consent", { consent: null }), config);
    expect(r.aside).toBeUndefined();
    expect(r.set).toEqual({});
    expect(r.profile).toEqual(profile);
  });

  it("still drops the form quietly when the student moves on ('ok, see you')", () => {
    const r = advanceForm(turn("ok, see you"), lead("consent", { consent: null }), config);
    expect(r.aside).toBe("leave");
    expect(r.set).toMatchObject({ status: "closed", outcome: "stopped" });
  });
});
