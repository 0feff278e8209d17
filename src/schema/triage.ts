// Triage of findings: a status change with the comment that justifies it.

import type { FindingRow } from '../resolvers/runs/results.ts';
import { triageFinding } from '../resolvers/runs/triage.ts';
import { builder } from './builder.ts';
import { resultUnion } from './errors.ts';
import { FindingRef } from './refs.ts';
import { FindingStatusEnum } from './results.ts';

const TriageFindingInput = builder.inputType('TriageFindingInput', {
  description: 'A finding’s new status and why.',
  fields: (t) => ({
    finding: t.id({ required: true, description: 'The finding.' }),
    status: t.field({ type: FindingStatusEnum, required: true, description: 'Its new status.' }),
    comment: t.string({
      required: true,
      description: 'Why: kept with the change in the audit log. Must not be blank.',
    }),
  }),
});

const TriageFindingPayload = builder
  .objectRef<{ finding: FindingRow }>('TriageFindingPayload')
  .implement({
    description: 'The finding after triage.',
    fields: (t) => ({
      finding: t.field({
        type: FindingRef,
        description: 'The finding, as it is now.',
        resolve: (p) => p.finding,
      }),
    }),
  });

builder.mutationField('triageFinding', (t) =>
  t.field({
    type: TriageFindingPayload,
    description:
      'Sets a finding’s status (maintainer role in its project), with a comment recorded in the audit log.',
    args: {
      input: t.arg({ type: TriageFindingInput, required: true, description: 'What to set.' }),
    },
    errors: resultUnion('TriageFindingResult'),
    resolve: async (_root, { input }, ctx) => ({
      finding: await triageFinding(ctx, {
        finding: String(input.finding),
        status: input.status,
        comment: input.comment,
      }),
    }),
  }),
);
