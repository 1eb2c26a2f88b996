import { LanguageModelUnavailable } from '../errors.js';

/** POSTs JSON and returns the parsed answer; any status but 200, a timeout or a network failure is LanguageModelUnavailable. */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal, redirect: 'error' });
  } catch (err) {
    if (signal.aborted) throw new LanguageModelUnavailable('the language model did not answer in time');
    throw new LanguageModelUnavailable(`the language model could not be reached (${err instanceof Error ? err.message : String(err)})`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new LanguageModelUnavailable(signal.aborted ? 'the language model did not answer in time' : 'the language model\'s answer was cut off');
  }
  // Never the body in the reason: a vendor's error page may echo the request.
  if (response.status === 429) throw new LanguageModelUnavailable('the language model refused: rate limited (429)');
  if (response.status !== 200) throw new LanguageModelUnavailable(`the language model answered HTTP ${response.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new LanguageModelUnavailable('the language model answered something that is not JSON');
  }
}

/** The base URL without a trailing slash. */
export function base(url: string): string {
  return url.replace(/\/+$/, '');
}
