// `gitmodel serve`: the JSON routes over HTTP, then the page in a real headless Chromium (Debian's,
// driven by playwright-core): click a model, an object, a version; check the rendered history,
// field diff and blame against git, that a hostile value stays text, and that a late answer to
// an earlier click does not overwrite a newer one. A screenshot is saved for a person to look at.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, HOSTILE, libraryRepo, type LibraryRepo, removeBuild, runCli } from './cli-fixture.js';
import { git, GIT_ENV } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

let build: { main: string; esm: string; dir: string };
let lib: LibraryRepo;
let scratch: string;
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  build = buildCli();
  scratch = mkdtempSync(join(tmpdir(), 'gitmodel-serve-test-'));
  lib = await libraryRepo(join(scratch, 'lib.git'));
  server = spawn(process.execPath, [build.main, '-C', lib.gitdir, 'serve', '--port', '0'], { env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((done, fail) => {
    let text = '';
    server.stdout!.on('data', (chunk) => {
      text += chunk;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) done(m[1]);
    });
    server.on('exit', (code) => fail(new Error(`serve exited with ${code}`)));
  });
}, 180_000);

afterAll(() => {
  server?.kill();
  removeBuild(build.dir);
  rmSync(scratch, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(new URL(path, url));
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
};
const cliJson = (...args: string[]) => JSON.parse(runCli(build.main, ['-C', lib.gitdir, ...args, '--json']).stdout);
const gitLines = (...args: string[]) => git(lib.gitdir, ...args).trim().split('\n');

describe('serve: the JSON routes', () => {
  it('answer what the commands answer', async () => {
    expect((await get('/api/models')).body).toEqual(cliJson('models'));
    expect((await get('/api/objects?model=page')).body).toEqual(cliJson('ls', 'page'));
    const history = (await get('/api/history?model=page&id=about')).body;
    expect(history).toEqual(cliJson('log', 'page/about'));
    expect(history.map((v: any) => v.commit.oid)).toEqual(gitLines('log', '--format=%H', '--', 'page/about/data.json'));
    expect((await get('/api/blame?model=page&id=about')).body).toEqual(cliJson('blame', 'page/about'));
    expect((await get(`/api/blame?model=page&id=about&at=v1`)).body).toEqual(cliJson('blame', 'v1:page/about'));
  });

  it('diff: one version against the one before it (or any two), with unset sides explicit', async () => {
    const retitle = lib.commits['Retitle about'];
    expect((await get(`/api/diff?model=page&id=about&to=${retitle}`)).body).toMatchObject({
      from: git(lib.gitdir, 'rev-parse', `${retitle}~1`).trim(),
      to: retitle,
      status: 'modified',
      changes: [
        { field: 'title', from: 'About', to: HOSTILE },
        { field: 'summary', from: null, to: 'Who we are' },
      ],
    });
    const first = (await get(`/api/diff?model=page&id=about&to=${lib.commits['Add about']}`)).body;
    expect(first.from).toBeNull(); // the root commit
    expect(first.changes[0]).toEqual({ field: 'slug', from: null, to: 'about', fromUnset: true });
    const any = (await get(`/api/diff?model=page&id=about&from=${lib.commits['Add about']}&to=HEAD`)).body;
    expect(any.changes.map((c: any) => c.field)).toEqual(['title', 'tags']);
    expect(any.text).toMatch(/^--- a\/page\/about\/data.json/m);
  });

  it('errors: JSON with the library code; 400, 404, 405', async () => {
    expect(await get('/api/history?model=page')).toMatchObject({ status: 400, body: { error: { code: 'USAGE' } } });
    expect(await get('/api/blame?model=page&id=nobody')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', id: 'nobody' } } });
    expect(await get('/api/objects?model=nothing')).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_MODEL' } } });
    expect((await get('/api/nope')).status).toBe(404);
    const post = await fetch(new URL('/api/models', url), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs it (.ci/run); the web view cannot be tested`);
  console.warn(`\n*** ${CHROMIUM} not found: the web view's browser test is SKIPPED (apt-get install chromium) ***\n`);
}

describe.skipIf(!haveChromium)('serve: the page in headless Chromium', () => {
  it('model → object → version: history, field diff and blame as git has them; hostile values stay text; stale answers dropped', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const settled = () => page.waitForSelector('body[data-state="settled"]');
      await page.goto(url);
      await settled();
      expect(await page.locator('#models button').allTextContents()).toEqual(['note (1)', 'page (2)', 'setting (1)']);
      await page.click('button[data-model="page"]');
      await settled();
      expect(await page.locator('#objects button').allTextContents()).toEqual(['about', 'older']);
      await page.click('button[data-id="about"]');
      await settled();

      // history: the commits git log lists for the data file, newest first
      const oids = gitLines('log', '--format=%H', '--', 'page/about/data.json');
      expect(await page.locator('#history tr.version').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-commit')))).toEqual(oids);
      expect(await page.locator('#history tr.version td:nth-child(2)').allTextContents()).toEqual(['modified', 'modified', 'created']);
      // the newest version is selected: its diff and blame
      const cells = () => page.locator('#diff tr.change').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
      expect(await cells()).toEqual([
        ['tags', '["intro"]', '["intro","company"]'],
        ['summary', 'Who we are', 'null'],
      ]);
      const blame = await page.locator('#blame tr.blame').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
      expect(blame.map((r) => [r[0], r[1], r[4]])).toEqual([
        ['slug', lib.commits['Add about'].slice(0, 7), 'about'],
        ['title', lib.commits['Retitle about'].slice(0, 7), HOSTILE],
        ['tags', lib.commits['Tag about'].slice(0, 7), '["intro","company"]'],
        ['summary', lib.commits['Tag about'].slice(0, 7), 'null'],
        ['cover', lib.commits['Add about'].slice(0, 7), expect.stringMatching(/^\{"file":"cover","size":4,"oid":"[0-9a-f]{40}"\}$/)],
      ]);

      // a version clicked: its diff against the one before, before struck through and after inserted
      await page.click(`#history tr[data-commit="${lib.commits['Retitle about']}"] button`);
      await settled();
      expect(await cells()).toEqual([
        ['title', 'About', HOSTILE],
        ['summary', 'null', 'Who we are'],
      ]);
      expect(await page.locator('#diff del').first().textContent()).toBe('About');
      expect(await page.locator('#diff ins').first().textContent()).toBe(HOSTILE);
      // the hostile title is text everywhere: no element was made from it, no handler ran
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();

      // a slow answer to an older click must not overwrite the newer one
      const slow = lib.commits['Add about'];
      await page.route(`**/api/diff?*to=${slow}*`, async (route) => {
        await new Promise((r) => setTimeout(r, 1500));
        await route.continue();
      });
      await page.click(`#history tr[data-commit="${slow}"] button`);
      await page.click(`#history tr[data-commit="${lib.commits['Tag about']}"] button`);
      await settled();
      expect(await cells()).toEqual([
        ['tags', '["intro"]', '["intro","company"]'],
        ['summary', 'Who we are', 'null'],
      ]);
      // the slow answer did arrive (settled waits for every request) and was dropped
      expect(await page.locator('#diff-title').textContent()).toContain(lib.commits['Tag about'].slice(0, 7));

      await page.click(`#history tr[data-commit="${lib.commits['Retitle about']}"] button`);
      await settled();
      const shots = mkdtempSync(join(tmpdir(), 'gitmodel-serve-screenshot-'));
      const file = join(shots, 'serve.png');
      await page.screenshot({ path: file, fullPage: true });
      console.log(`serve screenshot: ${file}`);
      expect(existsSync(file)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
