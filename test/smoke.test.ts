import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { Workspace } from '../lib/index.js';
import { Page, Author } from '../models-example/models.js';

test('smoke', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gm-')), 'data.git');
  const ws = await Workspace.open(dir);
  ws.register(Page, Author);
  const page = new Page({ slug: 'example-page', title: 'Example Page', content: 'hello' });
  console.log(JSON.stringify(page), page.content, page.id);
  await page.save();
  expect(ws.hasChanges()).toBe(true);
  console.log(await ws.diff());
  const oid = await page.save({ commit: true, message: 'Added a page' });
  console.log(oid);
  const again = await Page.get('example-page');
  console.log(again);
  console.log(execFileSync('git', ['--git-dir', dir, 'fsck', '--strict'], { encoding: 'utf8' }));
  console.log(execFileSync('git', ['--git-dir', dir, 'show', 'main:page/example-page/data.json'], { encoding: 'utf8' }));
  console.log(execFileSync('git', ['--git-dir', dir, 'log'], { encoding: 'utf8' }));
});
