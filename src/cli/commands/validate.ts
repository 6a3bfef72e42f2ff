/** `vigil validate`: the generate pipeline without output; every issue with file:line, exit 1 on errors. */
import { parseArgs } from 'node:util';
import { formatIssue } from '../../model/issue.js';
import { compile } from '../../rules/compile.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../load-resources.js';

const usage = `usage: vigil validate -f FILE|DIR [-f …] [--no-builtins]

Checks resources the way the controller would: schema, CEL rules, references, template rendering and
PromQL parsing. Prints every problem as FILE:LINE and exits 1 when any is an error.
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        'no-builtins': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`vigil validate: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (!values.file?.length) {
    io.stderr(`vigil validate: at least one -f FILE|DIR is required\n\n${usage}`);
    return 2;
  }
  const loaded = loadResources(values.file, io.cwd, { builtins: !values['no-builtins'] });
  const result = compile(loaded.resources);
  const issues = [...loaded.issues, ...result.issues];
  for (const issue of issues) io.stdout(`${formatIssue(issue)}\n`);
  const errors = issues.filter((i) => i.level === 'error').length;
  io.stdout(
    `${loaded.files} file(s): ${result.slos.length} valid SLO(s), ${result.templates.length} template(s), ${result.policies.length} policy(ies); ${errors} error(s), ${issues.length - errors} warning(s)\n`,
  );
  return errors ? 1 : 0;
}
