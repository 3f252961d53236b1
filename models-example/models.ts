// Example models: a flat-page CMS, as in python-gitmodel's README, plus an author for references
// and a cover image for blob fields.
import { IsEmail, Length, Matches } from 'class-validator';
import { Field, Model, type Ref } from '../lib/index.js';

export class Author extends Model<Author> {
  @Field({ id: true }) @Matches(/^[a-z0-9-]+$/) handle!: string;
  @Field() @Length(1, 100) name!: string;
  @Field() @IsEmail() email!: string;
}

export class Page extends Model<Page> {
  @Field({ id: true }) @Matches(/^[-\w]+$/) slug!: string;
  @Field() @Length(1, 200) title!: string;
  @Field() content: string = '';
  @Field() published: boolean = true;
  @Field({ type: [String], index: true }) tags: string[] = [];
  // TypeScript records unions (Date | null) as Object, so the type is given explicitly
  @Field({ type: Date, required: false, nullable: true }) updatedAt?: Date | null;
  @Field.ref(() => Author, { required: false, nullable: true, index: true }) author?: Ref<Author> | null;
  @Field.blob({ required: false, nullable: true }) cover?: Uint8Array | null;
}
