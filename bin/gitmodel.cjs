#!/usr/bin/env node
'use strict';
// The installed `gitmodel` command. It runs the command line bundled into one file
// (dist/cli/gitmodel.cjs, scripts/build-cli.mjs) through V8's code cache: Node 20 has no compile
// cache of its own, and resolving and compiling ~50 ES modules was most of a one-object command's
// start-up (docs/CLI.md, "Start-up"). The cache is written at build time beside the bundle; a
// Node whose V8 rejects it gets one of its own in the user's cache folder, written after its first
// run. V8 checks a cache against its own version and flags but against the source's length only,
// so every cache file is named by the bundle's build id (a hash of its text, on its first line).
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'cli', 'gitmodel.cjs');
const source = readFileSync(bundle, 'utf8');
const id = /^\/\/ gitmodel build ([0-9a-f]{16,})/.exec(source)?.[1];
const name = id && `gitmodel-${id}-${process.version}-${process.arch}.v8cache`;
const beside = name && join(__dirname, '..', 'dist', 'cli', name);
const own = name && join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gitmodel', name);

function read(file) {
  try {
    return file ? readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

// the user's own first: it exists only because V8 rejected the one beside the bundle
const cachedData = read(own) ?? read(beside);
const script = new Script(wrap(source), { filename: bundle, cachedData });
// the build sets GITMODEL_CODE_CACHE_SEED to add each of its seeding runs' functions to one cache
if (own && (cachedData === undefined || script.cachedDataRejected || process.env.GITMODEL_CODE_CACHE_SEED)) {
  // after the run, so the functions it compiled are in the cache too; never fatal
  process.once('exit', () => {
    try {
      mkdirSync(join(own, '..'), { recursive: true });
      const tmp = `${own}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, own);
    } catch {}
  });
}
script.runInThisContext()(module.exports, require, module, bundle, join(bundle, '..'));
