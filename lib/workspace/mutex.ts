// Serializes a workspace's index changes and commits within one process, so two saves of the same
// new id cannot both pass the duplicate check, and a commit never sees half of a save.
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }
}
