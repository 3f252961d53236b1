#!/usr/bin/env node
// The `gitmodel` command: global options, then a command from the table (commands.ts). It imports
// git core, history and the Node file system, never the library's entry (class-validator,
// reflect-metadata) or isomorphic-git: a one-object command starts in little more than Node's time.
import { COMMANDS } from './commands.js';
import { Context, type Globals, UsageError, type Values } from './context.js';
import { errorInfo } from './errors.js';
import { argv, colorizer, cwd, env, installNode, parseArgs, setExitCode, stderr, stdout } from './node-io.js';
import { type Format, Output } from './output.js';

const GLOBAL_OPTIONS = {
  repo: { type: 'string', short: 'C' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  color: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  branch: { type: 'string' },
  layout: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = `Global options:
  -C <repo>              the repository (default: $GITMODEL_REPO, else the current directory)
  --json                 JSON output (= --format json); errors as {"error":{code,message,…}} on stderr
  --format table|json|jsonl
                         jsonl streams one JSON line per row of a list
  --color auto|always|never
                         colours (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)
  -q, --quiet            no notes on stderr
  --branch <name>        the branch HEAD means, and the one writing commands move
  --layout <model>=<template>[#<shard>]
                         a custom path layout (content/{id}/page.json); also gitmodel.json
                         {"layouts":{"page":"content/{id}/page.json"}} beside the repository or here

Objects are named [<rev>:]<model>/<id>: page/about, v1:page/about, main~2:page/about.
Exit codes: 0 ok, 1 failure (or verify found problems), 2 no repository, 3 not found,
64 usage, 75 a ref was locked or moved by another writer (try again).`;

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: gitmodel [global options] <command> [arguments]\n\nRead and manage a gitmodel repository without its model classes.\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}\n\ngitmodel help <command> (or <command> --help) tells more.\n`;
}

function commandHelp(name: string): string {
  const c = COMMANDS[name];
  const options = Object.entries(c.options ?? {}).map(([o, s]) => `  ${s.short ? `-${s.short}, ` : ''}--${o}${s.type === 'string' ? ' <value>' : ''}`);
  return `usage: gitmodel ${c.usage}\n\n${c.summary}.\n${c.details ? `\n${c.details}\n` : ''}${options.length ? `\nOptions:\n${options.join('\n')}\n` : ''}\n${GLOBAL_HELP}\n`;
}

async function main(args: string[]): Promise<number> {
  // first the global options, to find the command (the first positional); then all of them strictly
  const first = parseArgs({ args, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const name = first.positionals[0];
  const at = name === undefined ? -1 : args.indexOf(name);
  if (name === 'help' || (first.values.help && name === undefined) || name === undefined) {
    const topic = name === 'help' ? first.positionals[1] : undefined;
    if (topic !== undefined && !COMMANDS[topic]) throw new UsageError(`no command "${topic}"; gitmodel --help lists them`);
    await stdout.write(topic ? commandHelp(topic) : help());
    return name === undefined && !first.values.help ? 64 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`no command "${name}"; gitmodel --help lists them`);
  const { values, positionals } = parseArgs({
    args: [...args.slice(0, at), ...args.slice(at + 1)],
    options: { ...GLOBAL_OPTIONS, ...command.options },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    await stdout.write(commandHelp(name));
    return 0;
  }
  const format = (values.json ? 'json' : ((values.format as string | undefined) ?? 'table')) as Format;
  if (!['table', 'json', 'jsonl'].includes(format)) throw new UsageError(`--format is table, json or jsonl, not "${format}"`);
  const color = (values.color as string | undefined) ?? 'auto';
  if (!['auto', 'always', 'never'].includes(color)) throw new UsageError(`--color is auto, always or never, not "${color}"`);
  out = new Output(format, stdout, stderr, colorizer(color, stdout), values.quiet === true);
  const globals: Globals = {
    repo: (values.repo as string | undefined) ?? env('GITMODEL_REPO') ?? cwd(),
    branch: values.branch as string | undefined,
    layouts: (values.layout as string[] | undefined) ?? [],
  };
  const ctx = await Context.open(globals, out);
  return (await command.run(ctx, positionals, values as Values)) ?? 0;
}

// errors are reported in the format asked for, once the options are known (plain text before)
let out = new Output(argv().includes('--json') ? 'json' : 'table', stdout, stderr, colorizer('auto', stderr));

installNode();
main(argv()).then(
  (code) => setExitCode(code),
  async (error: unknown) => {
    const info = errorInfo(error);
    await out.error(info.code, info.message, info.data);
    if (info.exit === 1 && info.code === 'INTERNAL' && error instanceof Error && error.stack && env('GITMODEL_DEBUG')) await stderr.write(`${error.stack}\n`);
    setExitCode(info.exit);
  },
);
