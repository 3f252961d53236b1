// The benchmark's Page (BENCHMARK.md), in the default layout and sharded.
import { Field, Model } from '../lib/index.js';

export class Page extends Model {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() content!: string;
  @Field() published!: boolean;
  @Field({ type: [String] }) tags!: string[];
  @Field() updatedAt!: Date;
}

@Model({ name: 'page', shard: 2 })
export class ShardedPage extends Page {}

