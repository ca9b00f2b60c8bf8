import { describe, expect, it } from "vitest";
import { createNlu } from "../../src/nlu/classifier.js";
import { realKnowledge } from "../helpers/bot.js";

const kb = realKnowledge();
const nlu = createNlu(kb);
const top = (text: string) => nlu.analyze(text).intents[0]?.intent;

describe("the offline classifier", () => {
  it("recognises every example question of the knowledge base as its own intent", () => {
    const misses = kb.entries.flatMap((e) => e.examples.filter((q) => top(q) !== e.intent).map((q) => `${e.id}: ${q} → ${top(q)}`));
    expect(misses).toEqual([]);
  });

  it.each([
    ["step 1 zaroori hai", "required"],
    ["form kaise bharte hai", "fill"],
    ["kya main observership kar sakta hu", "can"],
  ])("reads the Hinglish word of %j as %j, through the vocabulary", (text, word) => {
    expect(nlu.analyze(text).tokens).toContain(word);
  });

  it.each([
    ["how much does a rotation cost?", "costs"],
    ["can I do electives after graduating?", "eligibility"],
    ["how early should I apply?", "timing"],
    ["what's the difference between an observership and an externship?", "rotation_types"],
  ])("classifies %j as %s", (text, intent) => {
    expect(top(text)).toBe(intent);
  });

  it("corrects small typos against the knowledge base's words", () => {
    expect(nlu.analyze("how much does an observershp cost").tokens).toContain("observership");
    expect(top("how much does an observershp cost")).toBe("costs");
  });

  it("reads forum shorthand through the vocabulary: 'sub-i' as one word (its 'i' is a stopword), 'b4', 'exp'", () => {
    expect(nlu.analyze("does a sub-I count as an elective").tokens).toContain("subinternship");
    expect(top("does a sub-I count as an elective")).toBe("rotation_types");
    expect(nlu.analyze("how many months b4 should i apply").tokens).toContain("before");
    expect(top("how many months b4 should i apply for an elective")).toBe("timing");
    expect(nlu.analyze("clinical exp in the us").tokens).toContain("experience");
  });

  it("finds the subjects a message names, through the vocabulary", () => {
    expect(nlu.analyze("diff between obs and externship").topics).toEqual(["observership", "externship"]);
  });

  it("matches subjects in the plural, but not words that only share a stem", () => {
    expect(nlu.analyze("do hospitals run background checks").topics).toContain("prerequisites");
    // "medical" and "medication" share the Porter stem "medic".
    expect(nlu.analyze("I'm at a medical school in Egypt").topics).not.toContain("medical_advice");
  });

  it("flags medical emergencies from the vocabulary", () => {
    expect(nlu.analyze("my friend has chest pain").emergency).toBe(true);
    expect(nlu.analyze("how much does a rotation cost").emergency).toBe(false);
  });

  it("is deterministic", () => {
    const a = nlu.analyze("hw much 4 obs in usa??");
    const b = createNlu(kb).analyze("hw much 4 obs in usa??");
    expect(b.intents).toEqual(a.intents);
  });
});

describe("small talk needs a cue of its own", () => {
  it("does not read a request that only shares 'can you' with 'what can you do' as small talk", () => {
    expect(top("can you read my ecg report")).toBe("out_of_scope");
    expect(nlu.analyze("can you read my ecg report").intents.map((i) => i.intent)).not.toContain("smalltalk");
  });

  it("does not read an off-topic question that shares one word with a goodbye as small talk", () => {
    // "done for today" is a goodbye; "gold rate today" is not.
    expect(nlu.analyze("gold rate today").intents.map((i) => i.intent)).not.toContain("smalltalk");
  });

  it("still recognises small talk named by its vocabulary, or made only of small-talk words", () => {
    expect(top("thanks a lot doc")).toBe("smalltalk");
    expect(top("hi")).toBe("smalltalk");
    // Every word of it occurs in small-talk questions ("who are you", "what is rotabot").
    expect(top("who is rotabot")).toBe("smalltalk");
  });
});

describe("words typed in pieces", () => {
  it("joins adjacent pieces that together make a known word", () => {
    expect(nlu.analyze("obser vership fees").tokens).toEqual(["observership", "fees"]);
    expect(nlu.analyze("obser vership fees").intents[0]?.intent).toBe("costs");
  });

  it("joins three pieces into a small typo of a long known word", () => {
    // "externshp" (a typo in the vocabulary) is known; "ex tern ships" joins to "externships".
    expect(nlu.analyze("do ex ter nship count").tokens).toContain("externship");
  });

  it("leaves real words alone even when together they would make another word", () => {
    // "in" and "patient" are both words: not "inpatient".
    expect(nlu.analyze("care of the in patient").tokens).toEqual(["care", "of", "the", "in", "patient"]);
  });
});

describe("two letters swapped", () => {
  it("corrects a word with two adjacent letters swapped (one slip, two Levenshtein edits)", () => {
    expect(nlu.analyze("is the tofel needed").tokens).toContain("toefl");
    expect(nlu.analyze("docuemnts for an elective").tokens).toContain("documents");
  });
});

describe("IMG is not a status", () => {
  it("does not read 'img' (international medical graduate, the vocabulary's spelling) as the subject 'graduates'", () => {
    expect(nlu.analyze("which rotations can an img apply for").topics).not.toContain("graduates");
  });

  it("still reads a graduate named as such", () => {
    expect(nlu.analyze("which rotations can an img graduate apply for").topics).toContain("graduates");
    expect(nlu.analyze("which rotations can a graduate apply for").topics).toContain("graduates");
  });
});

describe("USMLE exams as one word", () => {
  it("reads 'step 1' as the exam and 'steps' as a process", () => {
    expect(nlu.analyze("is step 1 needed for electives").tokens).toContain("step1");
    expect(nlu.analyze("is step 1 needed for electives").topics).toContain("step1");
    expect(nlu.analyze("steps to book a rotation with a provider").topics).not.toContain("step1");
    expect(nlu.analyze("steps to book a rotation with a provider").intents[0]?.intent).toBe("application_process");
  });
});

describe("subjects set aside", () => {
  it("does not count a subject after 'other than', 'except', 'apart from' or 'besides' as asked about", () => {
    expect(nlu.analyze("hospital requirements other than usmle").topics).toEqual(["prerequisites"]);
    expect(nlu.analyze("hospital requirements apart from step 1").topics).toEqual(["prerequisites"]);
    expect(nlu.analyze("hospital requirements and step 1").topics).toEqual(["prerequisites", "step1"]);
  });

  it("sets aside a subject the student says no to (negatable in the vocabulary), and the entries about it", () => {
    expect(kb.vocabulary.negatable).toContain("counselor");
    const refused = nlu.analyze("I do not want to talk to a counselor, what does VSLO cost?");
    expect(refused.topics).toEqual(["vslo"]);
    expect(refused.entryScores.has("counselor-request")).toBe(false);
    expect(refused.intents[0]?.intent).toBe("costs");
    expect(nlu.analyze("no human please, what does VSLO cost?").entryScores.has("counselor-request")).toBe(false);
    // A bare "no" answers what came before: it reaches only the word after it.
    expect(nlu.analyze("no, I want a counselor").intents[0]?.intent).toBe("counselor");
    expect(nlu.analyze("I want to talk to a counselor").intents[0]?.intent).toBe("counselor");
    // "my school is not in VSLO": the entries about VSLO are not the answer, applying directly is.
    expect(kb.vocabulary.negatable).toContain("vslo");
    expect(nlu.analyze("our school is not a vslo member, what now?").intents[0]?.intent).toBe("application_process");
    expect(nlu.analyze("I'm not sure if my school is in VSLO").topics).toContain("vslo");
    // Only the subjects the vocabulary lists: "doesn't have a residency program" still asks about residency programs.
    expect(nlu.analyze("the hospital does not have a residency program, is that bad?").topics.length).toBeGreaterThan(0);
  });
});

describe("number words", () => {
  it("read a number word as the number: it is neither a word of its own nor a count the questions never use", () => {
    const words = nlu.analyze("is three letters enough for eras").entryScores;
    const digits = nlu.analyze("is 3 letters enough for eras").entryScores;
    expect([...words].sort()).toEqual([...digits].sort());
  });
});
