// A writer process for the unique-constraint race: tries to claim every email of a shared pool
// (in its own order), one commit each, with an object id of its own. A claim another writer made
// first is refused with UniqueConstraintError (at save, or inside the commit's compare-and-swap
// loop); each claim that committed is printed as "won <email> <commit>".
//   node unique-writer.js <repo> <name> <pool size>
import { Field, Model, StaleBranchError, UniqueConstraintError, Workspace } from '../../lib/index.js';

class Account extends Model {
  @Field({ id: true }) key!: string;
  @Field({ unique: true }) email: string = '';
}

const [repo, name, pool] = process.argv.slice(2);
const ws = await Workspace.open(repo);
ws.register(Account);
const size = Number(pool);
const offset = Number(name.replace(/\D/g, '')) * 7;
const stats = { won: 0, refusedAtSave: 0, refusedAtCommit: 0 };

for (let i = 0; i < size; i++) {
  const email = `user-${(i + offset) % size}@example.com`;
  try {
    await new Account({ key: `${name}-${i}`, email }).save();
  } catch (error) {
    if (!(error instanceof UniqueConstraintError)) throw error;
    stats.refusedAtSave++;
    continue;
  }
  // undefined: the branch kept moving through every attempt (still staged, try again); null: refused
  let oid: string | null | undefined;
  while (oid === undefined) {
    oid = await ws.commit({ message: `${name} claims ${email}` }).catch(async (error: unknown) => {
      if (error instanceof StaleBranchError) return undefined;
      if (!(error instanceof UniqueConstraintError)) throw error;
      stats.refusedAtCommit++;
      await ws.discard();
      return null;
    });
  }
  if (oid) {
    console.log(`won ${email} ${oid}`);
    stats.won++;
  }
}
console.log(`stats ${JSON.stringify(stats)}`);
