/**
 * A lexical scan of SQL text: where the `?` placeholders are, how many statements there are, and whether
 * an engine-specific parameter form is used. It skips string literals ('...', with '' escapes), quoted
 * identifiers ("..."), PostgreSQL dollar-quoted bodies ($$...$$, $tag$...$tag$) and comments (-- and
 * /* *\/): a `?` or `;` inside them is text, not syntax. The `;` inside a SQLite
 * `CREATE TRIGGER ... BEGIN ... END` body does not end the statement either.
 *
 * Why: SQLite binds a missing parameter as NULL and ignores a second statement, without a word, and
 * PostgreSQL numbers its placeholders. Counting here turns both silent SQLite behaviours into refusals on
 * every engine, and gives a PostgreSQL driver the exact offsets to rewrite.
 */
export interface SqlScan {
  /** Offsets of the `?` placeholders, in order. */
  readonly placeholders: readonly number[];
  /** Non-empty statements (a trailing `;` does not start another one). */
  readonly statements: number;
  /** The first engine-specific parameter (`?1`, `$1`, `:name`, `@name`, `$name`), if any. */
  readonly foreignParameter: string | undefined;
}

const WORD_START = /[\p{L}\p{N}_]/u;
const WORD_CHAR = /[\p{L}\p{N}_$]/u;
const WHITESPACE = /\s/;
const DOLLAR_QUOTE = /\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/y;

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD_CHAR.test(char);
}

export function scanSql(sql: string): SqlScan {
  const placeholders: number[] = [];
  let statements = 0;
  let foreignParameter: string | undefined;
  // The current statement: has it any content, its first words, and the BEGIN/CASE ... END depth of a
  // trigger body.
  let content = false;
  let leadingWords: string[] = [];
  let blockDepth = 0;
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    const next = sql[i + 1];
    if (char === "'" || char === '"') {
      content = true;
      i++;
      while (i < sql.length) {
        if (sql[i] === char) {
          if (sql[i + 1] !== char) break;
          i++;
        }
        i++;
      }
      i++;
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === ';') {
      if (blockDepth === 0) {
        if (content) statements++;
        content = false;
        leadingWords = [];
      }
      i++;
    } else if (WORD_START.test(char)) {
      content = true;
      let end = i + 1;
      while (isWordChar(sql[end])) end++;
      const word = sql.slice(i, end).toUpperCase();
      if (leadingWords.length < 3) leadingWords.push(word);
      if (isCreateTrigger(leadingWords)) {
        if (word === 'BEGIN' || word === 'CASE') blockDepth++;
        else if (word === 'END' && blockDepth > 0) blockDepth--;
      }
      i = end;
    } else if (char === '$') {
      content = true;
      DOLLAR_QUOTE.lastIndex = i;
      const tag = DOLLAR_QUOTE.exec(sql)?.[0];
      if (tag !== undefined) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      } else {
        if (isWordChar(next)) foreignParameter ??= parameterAt(sql, i);
        i++;
      }
    } else {
      if (!WHITESPACE.test(char)) content = true;
      if (char === '?') {
        if (next !== undefined && /[0-9]/.test(next)) foreignParameter ??= parameterAt(sql, i);
        else placeholders.push(i);
      } else if ((char === ':' || char === '@') && WORD_START.test(next ?? '') && sql[i - 1] !== ':') {
        // `x::int` (a PostgreSQL cast) is not a parameter; `:name` and `@name` are.
        foreignParameter ??= parameterAt(sql, i);
      }
      i++;
    }
  }
  if (content) statements++;
  return { placeholders, statements, foreignParameter };
}

function isCreateTrigger(words: readonly string[]): boolean {
  if (words[0] !== 'CREATE') return false;
  return (
    words[1] === 'TRIGGER' || ((words[1] === 'TEMP' || words[1] === 'TEMPORARY') && words[2] === 'TRIGGER')
  );
}

function parameterAt(sql: string, start: number): string {
  let end = start + 1;
  while (isWordChar(sql[end])) end++;
  return sql.slice(start, end);
}

/**
 * `?` placeholders rewritten as `$1..$n` (PostgreSQL's form), leaving literals, identifiers and comments
 * untouched. For a future PostgreSQL driver.
 */
export function numberPlaceholders(sql: string): string {
  const { placeholders } = scanSql(sql);
  let result = '';
  let from = 0;
  placeholders.forEach((offset, index) => {
    result += `${sql.slice(from, offset)}$${index + 1}`;
    from = offset + 1;
  });
  return result + sql.slice(from);
}

/** `?, ?, ?` for `count` parameters: the one way statements here spell a VALUES or IN list. */
export function parameterMarkers(count: number): string {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`parameterMarkers needs a positive count, not ${count}`);
  return Array.from({ length: count }, () => '?').join(', ');
}
