// The GraphQL schema: importing each domain file registers its types on the builder.
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './project.ts';
import './versions.ts';
import './model.ts';
import './dataset.ts';
import './workflow.ts';
import './results.ts';
import './runner.ts';
import './search.ts';
import './run.ts';
import './external-run.ts';
import './report.ts';
import './reproduce.ts';
import './run-events.ts';
import './compare.ts';
import './lineage.ts';
import './interop.ts';
import './openlineage.ts';
import './identity.ts';
import './audit.ts';
import './viewer.ts';
import './triage.ts';
import './evidence.ts';
import './node.ts';

export const schema = builder.toSchema({ sortSchema: true });
