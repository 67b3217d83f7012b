// Masks credentials inside connection strings before they are shown (health, start-up log) by
// parsing them, not by pattern-matching, so any character in a password is handled:
// - URLs `scheme://user:password@host...`: the user info runs to the LAST `@` of the authority
//   (a raw `@`, `:`, `/` or `%` in a password is not where the password ends), the password is
//   everything after the first `:` in it;
// - ADO/ODBC `key=value;` strings (mssql): values may be quoted ('...', "...", {...}); the values
//   of Password/Pwd are masked whole, quotes included.
export const MASK = '***';

const URL_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// Azure Storage connection strings carry the account key or a SAS token the same way.
const PASSWORD_KEYS = new Set(['password', 'pwd', 'accountkey', 'sharedaccesssignature']);

/** `scheme://user:password@rest` with the password masked; unchanged when there is none. */
export function maskUrlPassword(text: string): string {
  const start = URL_START.exec(text);
  if (!start) return text;
  const afterScheme = text.slice(start[0].length);
  const at = afterScheme.lastIndexOf('@');
  if (at < 0) return text;
  const userInfo = afterScheme.slice(0, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) return text;
  return `${start[0]}${userInfo.slice(0, colon)}:${MASK}${afterScheme.slice(at)}`;
}

interface Pair {
  key: string;
  raw: string;
}

/** Splits `k=v;k2={v;2};k3='v''3'` into pairs, honouring the quoting rules of connection strings. */
export function splitKeyValues(text: string): Pair[] | null {
  const pairs: Pair[] = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) {
      if (text.slice(i).trim() === '') break;
      return null;
    }
    const key = text.slice(i, eq);
    let j = eq + 1;
    while (j < text.length && text[j] === ' ') j++;
    const open = text[j];
    const close = open === '{' ? '}' : open === "'" || open === '"' ? open : null;
    if (close) {
      // Quoted: a doubled closing character is an escaped one.
      j++;
      for (;;) {
        if (j >= text.length) return null;
        if (text[j] === close) {
          if (text[j + 1] === close) j += 2;
          else {
            j++;
            break;
          }
        } else j++;
      }
      while (j < text.length && text[j] !== ';') j++;
    } else {
      while (j < text.length && text[j] !== ';') j++;
    }
    pairs.push({ key, raw: text.slice(eq + 1, j) });
    i = j + 1;
  }
  return pairs;
}

function maskKeyValues(text: string): string {
  if (!text.includes('=')) return text;
  const pairs = splitKeyValues(text);
  if (!pairs) return text;
  if (!pairs.some((p) => PASSWORD_KEYS.has(p.key.trim().toLowerCase()))) return text;
  return pairs.map((p) => `${p.key}=${PASSWORD_KEYS.has(p.key.trim().toLowerCase()) ? MASK : p.raw}`).join(';') + (text.trimEnd().endsWith(';') ? ';' : '');
}

/** One connection string (a URL or key=value pairs) with its credentials masked. */
export function redactCredentials(text: string): string {
  return URL_START.test(text) ? maskUrlPassword(text) : maskKeyValues(text);
}
