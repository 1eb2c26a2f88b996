// A node:test reporter that writes how long each test file ran, one JSON object per line
// ({ "file", "ms" }). scripts/run-tests.mjs reads it back to start the slowest files first.
// A file's own events are the top-level ones named by its path; `test:complete` carries its time.
export default async function* testDurations(source) {
  for await (const event of source) {
    const { data } = event;
    if (event.type === 'test:complete' && data.nesting === 0 && data.name === data.file && data.details?.duration_ms !== undefined) {
      yield `${JSON.stringify({ file: data.file, ms: Math.round(data.details.duration_ms) })}\n`;
    }
  }
}
