// What commits and annotated tags share: header lines (`tree <oid>`, continuations starting with a
// space), a blank line, then the message, which git ends with a newline.
import { fromUtf8 } from '../util/bytes.js';

/** Commit messages always end in one newline, as `git commit` writes them. */
export function normalizeMessage(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}

/** A stored message as the API shows it: without the one trailing newline git's format adds. */
export function displayMessage(stored: string): string {
  return stored.endsWith('\n') ? stored.slice(0, -1) : stored;
}

/** Splits an object of header lines (continuations start with a space) and a message. */
export function parseHeaders(content: Uint8Array): { headers: [string, string][]; message: string } {
  const text = fromUtf8(content);
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length) headers[headers.length - 1][1] += `\n${line.slice(1)}`;
    else {
      const space = line.indexOf(' ');
      headers.push([line.slice(0, space), line.slice(space + 1)]);
    }
  }
  return { headers, message: end < 0 ? '' : text.slice(end + 2) };
}
