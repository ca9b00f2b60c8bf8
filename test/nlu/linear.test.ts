import { describe, expect, it } from "vitest";
import { trainLinearSvm } from "../../src/nlu/linear.js";

const bag = (text: string) => new Map(text.split(" ").map((w) => [w, 1] as [string, number]));
const docs = [
  ...["fee cost price", "how much fee", "price of rotation", "cost per week"].map((t) => ({ label: "cost", features: bag(t) })),
  ...["when to apply", "deadline apply month", "how early apply", "when open"].map((t) => ({ label: "timing", features: bag(t) })),
  ...["visa interview", "b1 visa refused", "visa appointment wait", "which visa"].map((t) => ({ label: "visa", features: bag(t) })),
];

describe("the linear entry model", () => {
  it("ranks first the label whose telling words a message uses, whatever words it has that no example has", () => {
    const model = trainLinearSvm(docs);
    expect(model.rank(bag("i was refused a visa at the interview"))[0]?.label).toBe("visa");
    expect(model.rank(bag("how much is the fee"))[0]?.label).toBe("cost");
    expect(model.rank(bag("when is the deadline"))[0]?.label).toBe("timing");
    expect(model.rank(bag("how much is the fee"))[0]?.score).toBeGreaterThan(0);
  });

  it("is deterministic, and scores every label for a message with no known word", () => {
    const a = trainLinearSvm(docs).rank(bag("visa fee"));
    const b = trainLinearSvm(docs).rank(bag("visa fee"));
    expect(a).toEqual(b);
    const unknown = trainLinearSvm(docs).rank(bag("cricket score"));
    expect(unknown.map((r) => r.label).sort()).toEqual(["cost", "timing", "visa"]);
    for (const r of unknown) expect(r.score).toBeLessThan(0);
  });
});
