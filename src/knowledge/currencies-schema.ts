import { z } from "zod";
import { isoDate } from "./schema.js";

/** `knowledge/_currencies.yaml`: exchange rates an agency vouches for, with their source and date. */
export const currenciesSchema = z
  .object({
    rates: z
      .array(
        z
          .object({
            code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as INR"),
            names: z.array(z.string().min(2)).min(1),
            countries: z.array(z.string()).default([]),
            per_usd: z.number().positive(),
            as_of: isoDate,
            source: z.string().min(3),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type Currencies = z.infer<typeof currenciesSchema>;
