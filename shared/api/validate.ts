// Input validation at the transport boundary: zod failures become one clear BAD_REQUEST.
import type { z } from 'zod';
import type { BerthErrorShape } from '../errors.js';
import { commands, type CommandName, type CommandParsed } from './commands.js';
import { isCommandName } from './names.js';

export type ParseResult<K extends CommandName> = { ok: true; value: CommandParsed<K> } | { ok: false; error: BerthErrorShape };

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : 'input';
  return `${where}: ${issue.message}`;
}

export function parseCommandInput<K extends CommandName>(name: K, input: unknown): ParseResult<K> {
  const schema = commands[name].input as z.ZodType;
  // JSON has no undefined: treat null / {} the same as "no input" for commands that take none.
  const value = input === null ? undefined : input;
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data as CommandParsed<K> };
  const issues = r.error.issues.slice(0, 5).map(describeIssue);
  return {
    ok: false,
    error: {
      code: 'BAD_REQUEST',
      message: `Invalid input for '${name}': ${issues.join('; ')}`,
      hint: 'Fix the request fields named above and try again.',
    },
  };
}

export function unknownCommandError(name: string): BerthErrorShape {
  return {
    code: 'NOT_FOUND',
    message: `Unknown command '${name}'.`,
    hint: 'Check the command name against shared/api/commands.ts (e.g. deployments.list).',
  };
}

export { isCommandName };
