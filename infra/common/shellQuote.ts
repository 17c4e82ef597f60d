/** Quotes one word for POSIX sh: everything inside single quotes is literal, a quote itself is '\''. */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}
