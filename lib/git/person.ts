// Who made a commit or tag, and when: git's identity line `Name <email> 1700000000 +0200`.
import { CorruptObjectError } from '../errors.js';

export interface Person {
  readonly name: string;
  readonly email: string;
  /** seconds since the epoch */
  readonly timestamp: number;
  /** minutes east of UTC, e.g. 120 for +0200 */
  readonly tzOffset: number;
}

function formatTz(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

export function formatPerson(p: Person): string {
  return `${p.name} <${p.email}> ${p.timestamp} ${formatTz(p.tzOffset)}`;
}

const PERSON = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/;

/** Parses an identity line; `where` names the object in the error. */
export function parsePerson(line: string, where: string): Person {
  const m = PERSON.exec(line);
  if (!m) throw new CorruptObjectError({ path: where, reason: `malformed identity "${line}"` });
  const offset = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1], email: m[2], timestamp: Number(m[3]), tzOffset: m[4] === '-' ? -offset : offset };
}
