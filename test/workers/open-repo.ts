// Opens a repository and reports what happened, as one JSON line: the error's name, code and data,
// or "opened". The hostile-input test runs it as a user who may not read the repository.
//   node open-repo.js <path> <create: true|false>
import { GitModelError, Workspace } from '../../lib/index.js';

const [path, create] = process.argv.slice(2);
try {
  await Workspace.open(path, { create: create === 'true' });
  console.log(JSON.stringify({ opened: true }));
} catch (error) {
  const typed = error instanceof GitModelError;
  console.log(JSON.stringify({ typed, name: (error as Error).name, code: (error as GitModelError).code, data: typed ? error.data : String(error) }));
}
