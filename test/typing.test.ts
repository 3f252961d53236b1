// Types that protect the user (issue 8), at run time: fields TypeScript records as Object or Array
// are refused, the typed constructor's `id`, every way of assigning a reference yields a working
// Ref at once, and decorators applied as standard (TC39) ones are a ConfigurationError that says
// what to enable. What must and must not compile is held by test/types.check.ts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, Field, Model, Ref, ValidationError, Workspace } from '../lib/index.js';
import { caught, expectFsckClean, git, newRepoPath, openWith, tempDir } from './helpers.js';



class Writer extends Model<Writer> {
  @Field({ id: true }) handle!: string;
  @Field() name!: string;
}

class Post extends Model<Post> {
  @Field({ id: true }) slug!: string;
  @Field() title: string = '';
  @Field.ref(() => Writer, { nullable: true }) author: Ref<Writer> | null = null;
}

// ---------------------------------------------------------------------------------------------
describe('fields TypeScript records as Object or Array are refused unless their type is given', () => {
  it('number | null (recorded as Object) is a ConfigurationError at register, naming the field and the fix', async () => {
    class Product extends Model {
      @Field({ id: true }) sku!: string;
      @Field() stock!: number | null;
    }
    const ws = await Workspace.open(newRepoPath());
    const error = caught(() => ws.register(Product)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.data).toEqual({ model: 'product', field: 'stock' });
    expect(error.message).toContain('product.stock');
    expect(error.message).toContain('@Field({ type: Number, nullable: true })');
    expect(error.message).toContain('@Field.json()');
    // and so on first use without register: nothing untyped is ever stored
    expect(caught(() => new Product({ sku: 'a', stock: 'lots' }))).toBeInstanceOf(ConfigurationError);
  });

  it('string | undefined, an interface, and a property without annotation are refused too', () => {
    interface Address {
      street: string;
    }
    class A extends Model {
      @Field() note!: string | undefined;
    }
    class B extends Model {
      @Field() address!: Address;
    }
    class C extends Model {
      // eslint-disable-next-line @typescript-eslint/no-inferrable-types
      @Field() count = 0;
    }
    for (const [cls, field] of [[A, 'note'], [B, 'address'], [C, 'count']] as const) {
      const error = caught(() => new cls()) as ConfigurationError;
      expect(error, field).toBeInstanceOf(ConfigurationError);
      expect(error.data.field).toBe(field);
    }
  });

  it('string[] (recorded as Array, without its element type) is refused, naming [String]', () => {
    class Tagged extends Model {
      @Field() tags: string[] = [];
    }
    const error = caught(() => new Tagged()) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.data).toEqual({ model: 'tagged', field: 'tags' });
    expect(error.message).toContain('@Field({ type: [String] })');
  });

  it('with the type given the same fields work, and type: Object stays JSON', async () => {
    class Product extends Model {
      @Field({ id: true }) sku!: string;
      @Field({ type: Number, nullable: true }) stock: number | null = null;
      @Field({ type: [String] }) tags: string[] = [];
      @Field({ type: Object }) extra: unknown = { any: ['json'] };
    }
    const { gitdir } = await openWith(Product);
    const bad = new Product({ sku: 'a' });
    (bad as unknown as { stock: unknown }).stock = 'lots';
    const error = (await bad.save().catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.data.failures.map((f) => f.field)).toEqual(['stock']);
    await new Product({ sku: 'b', stock: 3, tags: ['x'] }).save({ commit: true });
    expect(JSON.parse(git(gitdir, 'show', 'main:product/b/data.json'))).toEqual({ sku: 'b', stock: 3, tags: ['x'], extra: { any: ['json'] } });
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('the typed constructor', () => {
  it('takes `id` for the id whichever field holds it, as obj.id does', () => {
    const post = new Post({ id: 'hello', title: 'Hello' });
    expect(post.slug).toBe('hello');
    expect(post.id).toBe('hello');
    expect(new Post({ id: 'same', slug: 'same' }).slug).toBe('same');
    const error = caught(() => new Post({ id: 'a', slug: 'b' })) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.data.failures.map((f) => f.field)).toEqual(['id']);
  });

  it('still refuses an unknown key at run time (for code that is not type-checked)', () => {
    const init = { slug: 's', titel: 'typo' } as object as { slug: string };
    const error = caught(() => new Post(init)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.data.failures.map((f) => f.field)).toEqual(['titel']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('every way of assigning a reference gives a working Ref at once', () => {
  async function setup() {
    const { gitdir, ws } = await openWith(Writer, Post);
    const ada = new Writer({ handle: 'ada', name: 'Ada' });
    await ada.save();
    return { gitdir, ws, ada };
  }

  it('Ref.to(author): load() gives the author', async () => {
    const { ada } = await setup();
    const post = new Post({ slug: 'p' });
    post.author = Ref.to(ada);
    expect(post.author.id).toBe('ada');
    expect(await post.author.load()).toBe(ada);
  });

  it('the author object itself: load() gives the same object', async () => {
    const { ada } = await setup();
    const post = new Post({ slug: 'p' });
    post.author = ada;
    expect(post.author.id).toBe('ada');
    expect(await post.author.load()).toBe(ada);
    expect(await ada.load()).toBe(ada);
  });

  it('Ref.to(Author, id): load() reads the author from the workspace Author is registered with', async () => {
    await setup();
    const post = new Post({ slug: 'p' });
    post.author = Ref.to(Writer, 'ada');
    expect(post.author).toBeInstanceOf(Ref);
    expect(post.author.id).toBe('ada');
    const loaded = await post.author.load();
    expect(loaded).toBeInstanceOf(Writer);
    expect(loaded.name).toBe('Ada');
  });

  it('through the constructor: an id, an object or a Ref, each loads before any save or re-read', async () => {
    const { ada } = await setup();
    const byId = new Post({ slug: 'a', author: 'ada' });
    expect(byId.author).toBeInstanceOf(Ref);
    expect(byId.author!.id).toBe('ada');
    expect((await byId.author!.load()).name).toBe('Ada');
    expect(await new Post({ slug: 'b', author: ada }).author!.load()).toBe(ada);
    expect(await new Post({ slug: 'c', author: Ref.to(ada) }).author!.load()).toBe(ada);
  });

  it('a model named by string in Field.ref(): an id given to the constructor loads through the owner\'s workspace', async () => {
    class Note extends Model<Note> {
      @Field({ id: true }) key!: string;
      @Field.ref('writer') by!: Ref<Writer>;
    }
    const { gitdir } = await openWith(Writer, Note);
    await new Writer({ handle: 'bo', name: 'Bo' }).save();
    const note = new Note({ key: 'n', by: 'bo' });
    expect((await note.by.load()).name).toBe('Bo');
    await note.save({ commit: true });
    expect(JSON.parse(git(gitdir, 'show', 'main:note/n/data.json')).by).toBe('bo');
  });

  it('each form is stored as the id, and reads back as a Ref that loads the author', async () => {
    const { gitdir, ws, ada } = await setup();
    const forms: Record<string, () => Post> = {
      'ref-to': () => Object.assign(new Post({ slug: 'ref-to' }), { author: Ref.to(ada) }),
      object: () => Object.assign(new Post({ slug: 'object' }), { author: ada }),
      'class-and-id': () => Object.assign(new Post({ slug: 'class-and-id' }), { author: Ref.to(Writer, 'ada') }),
      'ctor-id': () => new Post({ slug: 'ctor-id', author: 'ada' }),
    };
    for (const make of Object.values(forms)) await make().save();
    await ws.commit({ message: 'posts' });
    for (const slug of Object.keys(forms)) {
      expect(JSON.parse(git(gitdir, 'show', `main:post/${slug}/data.json`)).author, slug).toBe('ada');
      const post = await Post.get(slug, { at: 'main' });
      expect(post.author, slug).toBeInstanceOf(Ref);
      expect((await post.author!.load()).name, slug).toBe('Ada');
    }
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('decorators applied as standard (TC39) decorators', () => {
  const FIX = /"experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig\.json/;
  const fieldContext = { kind: 'field', name: 'title', static: false, private: false, metadata: {}, access: {}, addInitializer() {} };
  const classContext = { kind: 'class', name: 'Page', metadata: {}, addInitializer() {} };

  /** What a standard-decorator runtime calls: `decorator(undefined, context)` for a field. */
  const applyToField = (decorator: unknown) => (decorator as (value: undefined, context: object) => unknown)(undefined, fieldContext);

  it('@Field and every variant is a ConfigurationError saying what to enable, naming the field', () => {
    const variants: Record<string, unknown> = {
      'Field()': Field(),
      'Field({ type: String })': Field({ type: String }),
      'Field.json()': Field.json(),
      'Field.decimal()': Field.decimal(),
      'Field.uuid()': Field.uuid(),
      'Field.blob()': Field.blob(),
      'Field.time()': Field.time(),
      'Field.oid()': Field.oid(),
      'Field.ref()': Field.ref(() => Writer),
      // `@Field title`, without the call, under standard decorators
      Field,
      'Field.json': Field.json,
    };
    for (const [name, decorator] of Object.entries(variants)) {
      const error = caught(() => applyToField(decorator)) as ConfigurationError;
      expect(error, name).toBeInstanceOf(ConfigurationError);
      expect(error.message, name).toMatch(FIX);
      expect(error.message, name).toContain('title');
      expect(error.data.field, name).toBe('title');
    }
  });

  it('@Model(...) is a ConfigurationError saying what to enable, with or without options and parentheses', () => {
    class Page {}
    for (const [name, apply] of Object.entries({
      'Model()': () => (Model() as (value: unknown, context: object) => unknown)(Page, classContext),
      'Model({ name })': () => (Model({ name: 'pages' }) as (value: unknown, context: object) => unknown)(Page, classContext),
      Model: () => (Model as unknown as (value: unknown, context: object) => unknown)(Page, classContext),
    })) {
      const error = caught(apply) as ConfigurationError;
      expect(error, name).toBeInstanceOf(ConfigurationError);
      expect(error.message, name).toMatch(FIX);
      expect(error.data.model, name).toBe('Page');
    }
  });

  it('a decorator factory used without its call under legacy decorators is a ConfigurationError too', () => {
    class Page extends Model {}
    const field = caught(() => (Field as unknown as (p: object, k: string) => void)(Page.prototype, 'title')) as ConfigurationError;
    expect(field).toBeInstanceOf(ConfigurationError);
    expect(field.message).toContain('@Field()');
    const model = caught(() => (Model as unknown as (c: Function) => void)(Page)) as ConfigurationError;
    expect(model).toBeInstanceOf(ConfigurationError);
    expect(model.message).toContain('@Model()');
  });

  it('a real standard-decorator tool (tsx without experimentalDecorators) gets the ConfigurationError at class definition', () => {
    const dir = tempDir();
    const lib = fileURLToPath(new URL('../lib/index.ts', import.meta.url));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    writeFileSync(
      join(dir, 'main.ts'),
      `import { Field, Model } from ${JSON.stringify(lib)};\n` +
        'try {\n' +
        '  class Page extends Model {\n' +
        '    @Field({ type: String }) title!: string;\n' +
        '  }\n' +
        '  console.log("defined", Page.name);\n' +
        '} catch (e) {\n' +
        '  console.log(JSON.stringify({ name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message }));\n' +
        '}\n',
    );
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const out = JSON.parse(execFileSync(tsx, ['main.ts'], { cwd: dir, encoding: 'utf8' }).trim());
    expect(out.code).toBe('CONFIGURATION');
    expect(out.message).toMatch(FIX);
    expect(out.message).toContain('title');
  });
});
