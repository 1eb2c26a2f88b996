/** The language model gave no usable answer: the caller falls back, saying why (`reason`). */
export class LanguageModelUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'LanguageModelUnavailable';
  }
}
