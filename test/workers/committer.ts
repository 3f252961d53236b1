// A writer process for the concurrency tests: commits `count` times to one branch, every other
// commit (with "shared") to an object all writers change, else to its own object. On a
// ConflictError it does what the error says (discard, read again, change, save); each commit it
// completed is printed as "commit <oid>", and "stats <json>" at the end.
//   node committer.js <repo> <name> <count> <shared|own>
import { ConflictError, Field, Model, StaleBranchError, Workspace } from '../../lib/index.js';

class Item extends Model {
  @Field({ id: true }) key!: string;
  @Field() writer: string = '';
  @Field() seq: number = 0;
}

const [repo, name, count, mode] = process.argv.slice(2);
const ws = await Workspace.open(repo);
ws.register(Item);
const stats = { commits: 0, conflicts: 0, stale: 0 };

for (let seq = 0; seq < Number(count); seq++) {
  const key = mode === 'shared' && seq % 2 === 0 ? 'shared' : name;
  for (;;) {
    try {
      const item = (await Item.exists(key)) ? await Item.get(key) : new Item({ key });
      Object.assign(item, { writer: name, seq });
      const oid = await item.save({ commit: true, message: `${name} ${seq} ${key}` });
      console.log(`commit ${oid}`);
      stats.commits++;
      break;
    } catch (error) {
      if (error instanceof ConflictError) {
        stats.conflicts++;
        await ws.discard();
      } else if (error instanceof StaleBranchError) {
        stats.stale++; // the branch kept moving through every attempt: the change is still staged
      } else {
        throw error;
      }
    }
  }
}
console.log(`stats ${JSON.stringify(stats)}`);
