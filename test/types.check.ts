// Compile-time tests, checked by `tsc --noEmit` (npm test), never run: a plain line must compile,
// and a line after `// @ts-expect-error` must not (tsc fails on an unused @ts-expect-error, so
// both directions are held). The typed constructor (`class Page extends Model<Page>`) and the
// reference forms the README shows.
import { Field, Model, type ModelInit, Ref } from '../lib/index.js';

class Author extends Model<Author> {
  @Field({ id: true }) handle!: string;
  @Field() name!: string;
}

class Page extends Model<Page> {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field({ type: Number, nullable: true }) stock: number | null = null;
  @Field({ type: [String] }) tags: string[] = [];
  @Field({ type: Date, required: false }) publishedAt?: Date;
  @Field.ref(() => Author, { nullable: true }) author: Ref<Author> | null = null;
  @Field.blob({ required: false, nullable: true }) cover?: Uint8Array | null;
  @Field({ type: String, required: false }) readonly origin?: string;

  summary(): string {
    return this.title;
  }

  get titleLength(): number {
    return this.title.length;
  }
}

/** Without the type argument the constructor stays untyped, as before. */
class Loose extends Model {
  @Field({ id: true }) key!: string;
}

declare const ada: Author;

// --- the constructor: what compiles ------------------------------------------------------------
new Page();
new Page({});
new Page({ slug: 'p', title: 'T', stock: 3, tags: ['a'], publishedAt: new Date() });
new Page({ stock: null });
new Page({ id: 'p' }); // `id` is the id, whichever field holds it
new Page({ cover: new Uint8Array(4) });
new Page({ cover: Buffer.from('bytes') });
new Page({ cover: null });
new Page({ author: null });
new Page({ author: ada }); // the author object itself
new Page({ author: Ref.to(ada) });
new Page({ author: Ref.to(Author, 'ada') });
new Page({ author: 'ada' }); // its id
new Loose({ key: 'k', anything: 'goes' });
const init: ModelInit<Page> = { slug: 'p', author: 'ada' };
new Page(init);

// --- the constructor: what does not ------------------------------------------------------------
// @ts-expect-error a typo
new Page({ titel: 'T' });
// @ts-expect-error a wrong value type
new Page({ title: 42 });
// @ts-expect-error a string in a number | null field
new Page({ stock: 'lots' });
// @ts-expect-error an element of the wrong type
new Page({ tags: [1] });
// @ts-expect-error a method is not data
new Page({ summary: () => 'x' });
// @ts-expect-error a getter is not data
new Page({ titleLength: 3 });
// @ts-expect-error readonly properties are left out, as getters are (the types cannot tell them apart)
new Page({ origin: 'import' });
// @ts-expect-error what the base class has is not data
new Page({ oid: 'abc' });
// @ts-expect-error what the base class has is not data
new Page({ save: null });
// @ts-expect-error the id is a string
new Page({ id: 7 });
// @ts-expect-error bytes, not a string
new Page({ cover: 'bytes' });
// @ts-expect-error a reference to another model's object
new Page({ author: new Page() });
// @ts-expect-error a reference to another model's class
new Page({ author: Ref.to(Page, 'p') });
// @ts-expect-error not an object at all
new Page('p');

// --- assigning a reference: what compiles ------------------------------------------------------
const page = new Page({ slug: 'p', title: 'T' });
page.author = Ref.to(ada);
page.author = ada;
page.author = Ref.to(Author, 'ada');
page.author = null;
page.id = 'renamed';
const loaded: Promise<Author> = page.author!.load();
const self: Promise<Author> = ada.load();
const asRef: Ref<Author> = ada;
const id: string = asRef.id;

// --- assigning a reference: what does not -----------------------------------------------------
// @ts-expect-error a bare id: write Ref.to(Author, 'ada')
page.author = 'ada';
// @ts-expect-error another model's object
page.author = page;
// @ts-expect-error another model's class
page.author = Ref.to(Page, 'p');
// @ts-expect-error Ref.to(Model) needs the id
Ref.to(Author);
// @ts-expect-error load() gives the referenced model
const wrong: Promise<Page> = page.author!.load();

export { loaded, self, id, wrong };

// --- a base class for models takes the type on ------------------------------------------------
@Model({ abstract: true })
abstract class Stamped<S extends object = any> extends Model<S> {
  @Field({ type: Date, required: false }) stampedAt?: Date;
}

class Note extends Stamped<Note> {
  @Field({ id: true }) key!: string;
}

new Note({ key: 'n', stampedAt: new Date() });
// @ts-expect-error a typo in the subclass's constructor
new Note({ kye: 'n' });
// @ts-expect-error a wrong type for the base class's field
new Note({ stampedAt: 'yesterday' });

// --- queries (docs/QUERIES.md): where, orderBy and include typed from the model ----------------
class Listing extends Model<Listing> {
  @Field({ id: true }) slug!: string;
  @Field({ unique: true }) title: string = '';
  @Field({ index: true }) published: boolean = false;
  @Field({ type: [String], index: true }) tags: string[] = [];
  @Field({ index: true }) updatedAt: Date = new Date();
  @Field({ index: true, type: BigInt }) big: bigint = 0n;
  @Field({ type: String, required: false }) summary?: string;
  @Field.ref(() => Author, { index: true, nullable: true }) author: Ref<Author> | null = null;
}
declare const someListing: Listing;

void Listing.find({ where: { published: false, tags: { has: 'news' } }, orderBy: { updatedAt: 'desc' } });
void Listing.find({ where: { author: ada } });
void Listing.find({ where: { author: 'ada' } });
void Listing.find({ where: { author: Ref.to(ada) } });
void Listing.find({ where: { author: null } });
void Listing.find({ where: { slug: { startsWith: 'a' } } });
void Listing.find({ where: { updatedAt: { gte: new Date(0), lt: new Date() } } });
void Listing.find({ where: { OR: [{ published: true }, { NOT: { tags: { isEmpty: true } } }] } });
void Listing.find({ where: { big: { gt: 10n } } });
void Listing.find({ orderBy: [{ published: 'desc' }, { updatedAt: { sort: 'asc', nulls: 'last' } }] });
void Listing.find({ where: { summary: { exists: false } } });
void Listing.find({ include: { author: true } });
void Listing.find({ where: { id: { startsWith: 'x' } } });
const listings: Promise<Listing[]> = Listing.find().then((all) => all);
const listingCount: Promise<number> = Listing.count({ where: { published: true } });
const firstListing: Promise<Listing | null> = Listing.findOne({ where: { title: 'T' } });
const listingPage: Promise<{ items: Listing[]; next: string | null }> = Listing.findPage({ limit: 10 });
export { listings, listingCount, firstListing, listingPage };

// select: plain objects typed from the selected fields, the id always under `id`
const picked: Promise<{ id: string; title: string; author: Ref<Author> | null }[]> = Listing.find({ select: { title: true, author: true }, orderBy: { title: "asc" } }).then((rows) => rows);
const pickedOne = Listing.find({ select: { tags: true }, where: { published: true } }).then((rows) => rows[0]);
const pickedTags: Promise<string[]> = pickedOne.then((row) => row.tags);
export { picked, pickedTags };
// @ts-expect-error a field the select leaves out is not in its results
void pickedOne.then((row) => row.title);
// @ts-expect-error select takes the model's fields
void Listing.find({ select: { tittle: true } });
// @ts-expect-error not even beside a real one
void Listing.find({ select: { title: true, tittle: true } });
// @ts-expect-error a method is not a field
void Listing.find({ select: { save: true } });
// @ts-expect-error select says true
void Listing.find({ select: { title: 1 } });
// @ts-expect-error the results of a select are not model instances
const notInstances: Promise<Listing[]> = Listing.find({ select: { title: true } });
void notInstances;

// @ts-expect-error a value of the wrong type
void Listing.find({ where: { published: 'yes' } });
// @ts-expect-error a typo
void Listing.find({ where: { tittle: 'x' } });
// @ts-expect-error an array operator on a scalar field
void Listing.find({ where: { published: { has: true } } });
// @ts-expect-error an array field has no order
void Listing.find({ orderBy: { tags: 'asc' } });
// @ts-expect-error a method is not a field
void Listing.find({ where: { save: 1 } });
// @ts-expect-error startsWith is for strings
void Listing.find({ where: { updatedAt: { startsWith: '2024' } } });
// @ts-expect-error include takes reference fields
void Listing.find({ include: { title: true } });
// @ts-expect-error an object of the wrong model
void Listing.find({ where: { author: someListing } });
