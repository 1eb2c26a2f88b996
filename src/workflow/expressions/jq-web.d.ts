// jq-web ships no types: the module is a promise of jq compiled to WebAssembly.
declare module 'jq-web' {
  interface JqWeb {
    /** Runs `filter` on `input` (serialised with JSON.stringify); parses the output. */
    json(input: unknown, filter: string): unknown;
    /** Like `echo jsonText | jq flags filter`: returns stdout, or undefined when there is none. */
    raw(jsonText: string, filter: string, flags?: string[]): string | undefined;
  }
  const jq: Promise<JqWeb>;
  export default jq;
}
