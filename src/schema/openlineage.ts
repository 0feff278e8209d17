// What the OpenLineage import says about a run imported from OpenLineage: the warnings of
// the events it accepted (a facet failing its own schema, an event without schemaURL).
import { openLineageWarningsOf } from '../resolvers/interop/openlineage/run-projection.ts';
import { builder } from './builder.ts';
import { RunRef } from './refs.ts';

type Warning = ReturnType<typeof openLineageWarningsOf>[number];

const OpenLineageWarningRef = builder.objectRef<Warning>('OpenLineageWarning').implement({
  description:
    'Something an accepted OpenLineage event got wrong: the event was kept as it came, and mapped without what failed.',
  fields: (t) => ({
    facet: t.exposeString('facet', {
      nullable: true,
      description:
        'The facet that failed its schema ("parent", "errorMessage"...); null for the event itself.',
    }),
    path: t.exposeString('path', {
      description: 'JSON pointer into the event, e.g. "/run/facets/parent/run/runId".',
    }),
    message: t.exposeString('message', { description: 'What is wrong there.' }),
    eventTime: t.exposeString('eventTime', {
      description: 'The eventTime of the first event with this warning, as sent.',
    }),
    occurrences: t.exposeInt('occurrences', {
      description: 'How many of the run’s events had this same warning.',
    }),
    eventType: t.exposeString('eventType', {
      nullable: true,
      description: 'The eventType of that first event (null for a metadata update without one).',
    }),
  }),
});

builder.objectField(RunRef, 'openLineageWarnings', (t) =>
  t.field({
    type: [OpenLineageWarningRef],
    description:
      'For a run imported from OpenLineage: what its accepted events got wrong, each once, in the order first seen (empty otherwise).',
    resolve: (run) => openLineageWarningsOf(run.environment),
  }),
);
