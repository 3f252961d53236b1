// Tags: names for commits that never move. Lightweight by default, annotated (a tag object with a
// tagger and a message, as `git tag -a`) when given a message. A workspace opened on a tag reads
// it and refuses every write.
import { displayMessage, normalizeMessage } from '../git/message.js';
import { parseTag } from '../git/tag.js';
import { assertAbsent, assertRefName, createRef, deleteRef, listRefs, type RefContext } from './named-refs.js';

export interface TagInfo {
  name: string;
  /** the commit it names (an annotated tag peeled) */
  commit: string;
  /** the tag object, for an annotated tag */
  object?: string;
  /** an annotated tag's message, without the newline git's format ends it with */
  message?: string;
}

const PREFIX = 'refs/tags/';

export class Tags {
  constructor(private readonly ws: RefContext) {}

  /** Tags `at` (any revision; default: the workspace's head); annotated when a message is given. */
  async create(name: string, options: { at?: string; message?: string } = {}): Promise<TagInfo> {
    assertRefName(name);
    await assertAbsent(this.ws.repo, PREFIX + name);
    const commit = await this.ws.resolve(options.at ?? 'HEAD');
    if (options.message === undefined) {
      await createRef(this.ws.repo, PREFIX + name, commit);
      return { name, commit };
    }
    const object = await this.ws.repo.writeTag({ object: commit, type: 'commit', tag: name, tagger: this.ws.who(), message: options.message });
    await createRef(this.ws.repo, PREFIX + name, object);
    return { name, commit, object, message: displayMessage(normalizeMessage(options.message)) };
  }

  async list(): Promise<TagInfo[]> {
    const { repo } = this.ws;
    const tags: TagInfo[] = [];
    for (const { name, ref, oid } of await listRefs(repo, PREFIX)) {
      const object = await repo.readObject(oid);
      const commit = await repo.resolve(ref);
      tags.push(object.type === 'tag' ? { name, commit, object: oid, message: displayMessage(parseTag(oid, object.content).message) } : { name, commit });
    }
    return tags;
  }

  /** Deletes a tag; returns what it pointed at (the tag object, for an annotated tag). */
  async delete(name: string): Promise<string> {
    assertRefName(name);
    return deleteRef(this.ws.repo, PREFIX + name);
  }
}
