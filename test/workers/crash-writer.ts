// A writer process for the crash test: commits in a loop until it is killed, printing
// "commit <oid>" after each commit returned. Commits vary: new objects, changes, deletions, blob
// files, several objects in one transaction.
//   node crash-writer.js <repo> <trial> <fsync|atomic>
import { Field, Model, Workspace } from '../../lib/index.js';

class Entry extends Model {
  @Field({ id: true }) key!: string;
  @Field() text: string = '';
  @Field.blob({ required: false, nullable: true }) attachment?: Uint8Array | null;
}

const [repo, trial, durability] = process.argv.slice(2);
const ws = await Workspace.open(repo, { durability: durability as 'fsync' | 'atomic' });
ws.register(Entry);
console.log('ready');

for (let n = 0; ; n++) {
  const key = `e${n % 23}`;
  let oid: string | null;
  if (n % 5 === 4) {
    // several objects in one commit, with a blob file large enough to take a while to write
    oid = await ws.transaction(
      async () => {
        for (let i = 0; i < 8; i++) {
          const k = `t${trial}-${n}-${i}`;
          await new Entry({ key: k, text: k, attachment: Buffer.alloc(16_384 * (i + 1), n % 251) }).save();
        }
      },
      { message: `trial ${trial} batch ${n}` },
    );
  } else if (n % 7 === 6 && (await Entry.exists(key))) {
    oid = await Entry.delete(key, { commit: true, message: `trial ${trial} delete ${key}` });
  } else {
    const entry = (await Entry.exists(key)) ? await Entry.get(key) : new Entry({ key });
    entry.text = `trial ${trial} step ${n}`;
    oid = await entry.save({ commit: true, message: `trial ${trial} save ${key}` });
  }
  console.log(`commit ${oid}`);
}
