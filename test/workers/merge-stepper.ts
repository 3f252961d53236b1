// A process that steps a merge on (test/merge-state.test.ts): another process than the one that
// started or settled it, or one killed in the middle.
//   node merge-stepper.js <repo> merge <rev>     merge, print "stored <oid>" and the conflict keys, then wait to be killed
//   node merge-stepper.js <repo> finish <choice> print the conflicts it found, settle them all with <choice>, commit, print "commit <oid>"
//   node merge-stepper.js <repo> run <rev>       merge, settle one conflict at a time, commit, printing each step (killed anywhere)
import { Field, Model, Workspace } from '../../lib/index.js';

class Page extends Model<Page> {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() content: string = '';
  @Field() views: number = 0;
}

const [repo, action, arg] = process.argv.slice(2);
const ws = await Workspace.open(repo, { author: { name: 'Other', email: 'other@example.com' } });
ws.register(Page);
const keys = () => JSON.stringify((ws.merging?.conflicts ?? []).map((c) => [c.kind, c.path, 'field' in c ? c.field : null]));

if (action === 'merge') {
  const result = await ws.merge(arg);
  console.log(`stored ${await ws.repo.refs.read('refs/gitmodel/merge/main')}`);
  console.log(`conflicts ${keys()}`);
  console.log(`status ${result.status}`);
  setInterval(() => {}, 1000);
} else if (action === 'finish') {
  console.log(`merging ${ws.merging ? ws.merging.theirs : 'none'}`);
  console.log(`conflicts ${keys()}`);
  await ws.resolveAll(arg as 'ours' | 'theirs');
  console.log(`commit ${await ws.commit()}`);
} else if (action === 'run') {
  console.log('ready');
  if (!ws.merging) await ws.merge(arg);
  console.log('merged');
  while (ws.merging!.conflicts.length) {
    await ws.resolveConflict(ws.merging!.conflicts[0], 'theirs');
    console.log('settled');
  }
  console.log(`commit ${await ws.commit()}`);
}
process.exit(0);
