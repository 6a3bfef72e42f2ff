/** `vigil validate`: the generate pipeline without output; every issue with file:line, exit 1 on errors. */
import { formatIssue } from '../../model/issue.js';
import { compile } from '../../rules/compile.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../../resources/load-resources.js';

const usage = `usage: vigil validate -f FILE|DIR [-f …] [--no-builtins]

Checks resources the way the controller would: schema, CEL rules, references, template rendering and
PromQL parsing. Prints every problem as FILE:LINE and exits 1 when any is an error.
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('validate', argv, { file: { type: 'string', short: 'f', multiple: true }, 'no-builtins': { type: 'boolean', default: false } }, usage, io);
  if (!args.ok) return args.exitCode;
  const { values } = args;
  if (!values.file?.length) return usageError('validate', 'at least one -f FILE|DIR is required', usage, io);
  const loaded = loadResources(values.file, io.cwd, { builtins: !values['no-builtins'] });
  const result = compile(loaded.resources);
  const issues = [...loaded.issues, ...result.issues];
  for (const issue of issues) io.stdout(`${formatIssue(issue)}\n`);
  const errors = issues.filter((i) => i.level === 'error').length;
  io.stdout(
    `${loaded.files} file(s)${loaded.builtinFiles ? ` (and ${loaded.builtinFiles} built-in)` : ''}: ${result.slos.length} valid SLO(s), ${result.templates.length} template(s), ${result.policies.length} policy(ies); ${errors} error(s), ${issues.length - errors} warning(s)\n`,
  );
  return errors ? 1 : 0;
}
